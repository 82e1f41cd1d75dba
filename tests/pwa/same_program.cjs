// Is each served script the same program as its source? Prints the syntax tree of both without
// comments (TypeScript's printer) and names the files where they differ. Input on stdin:
// JSON [[name, source, served], …]. Used by test_served_scripts.py.
const ts = require(process.argv[2]);
const printer = ts.createPrinter({ removeComments: true });
/** @param {string} text */
const tree = (text) =>
  printer.printFile(ts.createSourceFile('m.js', text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS));
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const differ = JSON.parse(input).filter(([, source, served]) => tree(source) !== tree(served));
  process.stdout.write(JSON.stringify(differ.map(([name]) => name)));
});
