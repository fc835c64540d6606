/** How often each word (in lower case) occurs in text, as { word: count }. */
function countWords(text) {
  const counts = new Map();
  for (const match of text.match(/[A-Za-z0-9']+/g) ?? []) {
    const word = match.replace(/^'+|'+$/g, '');
    if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return Object.fromEntries(counts);
}

module.exports = { countWords };
