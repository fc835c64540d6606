// Jest's globals (describe, test, expect) come from `node --require practica-jest-globals`. The learner's
// module is loaded inside each test, from the working directory (the workspace): a syntax error in it
// fails each test with its file and line.
const path = require('node:path');

const { fizzbuzz } = { fizzbuzz: (n) => require(path.join(process.cwd(), 'fizzbuzz.js')).fizzbuzz(n) };

describe('fizzbuzz', () => {
  test('gives the numbers that are not multiples of 3 or 5', () => {
    expect(fizzbuzz(2)).toEqual(['1', '2']);
  });

  test('says Fizz for multiples of 3 and Buzz for multiples of 5', () => {
    expect(fizzbuzz(10)).toEqual(['1', '2', 'Fizz', '4', 'Buzz', 'Fizz', '7', '8', 'Fizz', 'Buzz']);
  });

  test('says FizzBuzz for multiples of 15', () => {
    const words = fizzbuzz(45);
    expect(words[14]).toBe('FizzBuzz');
    expect(words[29]).toBe('FizzBuzz');
    expect(words[44]).toBe('FizzBuzz');
  });

  test('gives n words', () => {
    expect(fizzbuzz(100)).toHaveLength(100);
    expect(fizzbuzz(0)).toEqual([]);
  });
});
