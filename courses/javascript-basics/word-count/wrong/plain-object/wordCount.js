/** How often each word (in lower case) occurs in text, as { word: count }. */
function countWords(text) {
  const counts = {};
  for (const match of text.toLowerCase().match(/[a-z0-9']+/g) ?? []) {
    const word = match.replace(/^'+|'+$/g, '');
    if (word) counts[word] = (counts[word] || 0) + 1;
  }
  return counts;
}

module.exports = { countWords };
