import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, toDocx } from './docx';

describe('toDocx', () => {
  it('computes the zip CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('writes a zip whose document has the title and a timestamped paragraph per segment', () => {
    const doc = toDocx('interview <1>.wav', '1:05 · general', [
      { id: 0, start: 0, end: 2, text: 'hello there', confidence: 0.9, words: [] },
      { id: 1, start: 65.2, end: 67, text: 'fish & chips', confidence: 0.9, words: [] },
    ]);
    expect(doc.subarray(0, 2).toString()).toBe('PK');
    const dir = mkdtempSync(join(tmpdir(), 'docx-'));
    const file = join(dir, 't.docx');
    writeFileSync(file, doc);
    // python's zipfile checks the CRCs and the central directory.
    const body = execFileSync('python3', ['-c', 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(z.read("word/document.xml").decode())', file]).toString();
    expect(body).toContain('interview &lt;1&gt;.wav');
    expect(body).toContain('[00:00:00] ');
    expect(body).toContain('[00:01:05] ');
    expect(body).toContain('fish &amp; chips');
  });
});
