// Reads a ReceiptLine document on stdin and writes the ESC/POS bytes receiptline makes of it to stdout.
// Usage: node receiptline_slip.js CPL ENCODING < slip.receipt > slip.bin   (receiptline from npm)
const receiptline = require('receiptline');
const [cpl, encoding] = process.argv.slice(2);
let doc = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { doc += chunk; });
process.stdin.on('end', () => {
    const out = receiptline.transform(doc, { cpl: Number(cpl || 48), encoding: encoding || 'gb18030',
                                             command: 'escpos', cutting: true, gradient: false });
    process.stdout.write(Buffer.from(out, 'binary'));
});
