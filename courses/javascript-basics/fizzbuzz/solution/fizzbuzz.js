/** The FizzBuzz words for 1..n, as an array of strings. */
function fizzbuzz(n) {
  const words = [];
  for (let i = 1; i <= n; i += 1) {
    if (i % 15 === 0) words.push('FizzBuzz');
    else if (i % 3 === 0) words.push('Fizz');
    else if (i % 5 === 0) words.push('Buzz');
    else words.push(String(i));
  }
  return words;
}

module.exports = { fizzbuzz };
