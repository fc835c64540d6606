const { fizzbuzz } = require('./fizzbuzz');

console.log(fizzbuzz(15).join('\n'));
