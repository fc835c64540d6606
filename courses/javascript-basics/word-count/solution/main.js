const { countWords } = require('./wordCount');

console.log(countWords('The cat and the hat. The end!'));
