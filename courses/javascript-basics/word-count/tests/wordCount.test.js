// Jest's globals (describe, test, expect) come from `node --require practica-jest-globals`. The learner's
// module is loaded inside each test, from the working directory (the workspace): a syntax error in it
// fails each test with its file and line.
const path = require('node:path');

const countWords = (text) => require(path.join(process.cwd(), 'wordCount.js')).countWords(text);

describe('countWords', () => {
  test('counts each word', () => {
    expect(countWords('one fish two fish')).toEqual({ one: 1, fish: 2, two: 1 });
  });

  test('ignores punctuation', () => {
    expect(countWords('The cat, the hat. The end!')).toEqual({ the: 3, cat: 1, hat: 1, end: 1 });
  });

  test('is case-insensitive', () => {
    expect(countWords('Node NODE node')).toEqual({ node: 3 });
  });

  test("keeps apostrophes inside words, not around them", () => {
    expect(countWords("don't 'stop' can't")).toEqual({ "don't": 1, stop: 1, "can't": 1 });
  });

  test('counts words that are also property names', () => {
    expect(countWords('constructor toString constructor')).toEqual({ constructor: 2, tostring: 1 });
  });

  test('text without words gives an empty object', () => {
    expect(countWords(' ,.! ')).toEqual({});
  });
});
