// Practica's jest reporter: the run's results as TAP, written to the file the `output` option names
// (the check's report channel). Hidden with the tests of lessons converted from Exercism's JavaScript track.
'use strict';

const fs = require('fs');

const ANSI = /\u001b\[[0-9;]*m/g;

function name(text) {
  return String(text).replace(ANSI, '').replace(/[#\r\n]+/g, ' ').trim();
}

function diagnostic(text) {
  const lines = String(text || '').replace(ANSI, '').split('\n').slice(0, 60);
  return ['  ---', '  message: |', ...lines.map((line) => '    ' + line), '  ...'];
}

class PracticaTapReporter {
  constructor(globalConfig, options) {
    this.output = (options && options.output) || '/dev/stdout';
  }

  onRunComplete(contexts, results) {
    const points = [];
    for (const file of results.testResults) {
      if (file.testExecError || (file.failureMessage && file.testResults.length === 0)) {
        const why = file.failureMessage || (file.testExecError && file.testExecError.message);
        points.push(['not ok', name(file.testFilePath.split('/').pop()) + ' (did not run)', diagnostic(why)]);
      }
      for (const test of file.testResults) {
        const title = name(test.fullName || test.title);
        if (test.status === 'passed') points.push(['ok', title, []]);
        else if (['pending', 'skipped', 'todo', 'disabled'].includes(test.status)) points.push(['ok', title + ' # SKIP', []]);
        else points.push(['not ok', title, diagnostic(test.failureMessages.join('\n'))]);
      }
    }
    const lines = ['TAP version 14', `1..${points.length}`];
    points.forEach(([status, title, detail], index) => lines.push(`${status} ${index + 1} - ${title}`, ...detail));
    fs.writeFileSync(this.output, lines.join('\n') + '\n');
  }
}

module.exports = PracticaTapReporter;
