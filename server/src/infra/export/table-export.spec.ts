import { attachmentDisposition, csvField, csvHeader, csvRecords, jsonElements, safeFileName, type ExportColumn } from './table-export';

describe('table export encoding', () => {
  it('quotes a CSV field only when it holds a comma, quote, CR or LF, doubling quotes (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(null)).toBe('');
    expect(csvField(-1)).toBe('-1');
    expect(csvField({ a: 'x,y' })).toBe('"{""a"":""x,y""}"');
  });

  it('neutralises formulas in user text cells with a leading apostrophe, and only there', () => {
    for (const s of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '\0x']) expect(csvField(s, true).replace(/^"/, '').startsWith(`'${s[0]}`)).toBe(true);
    expect(csvField('=HYPERLINK("http://x","y")', true)).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvField('\rcmd', true)).toBe(`"'\rcmd"`);
    expect(csvField('a=1', true)).toBe('a=1');
    expect(csvField('-1')).toBe('-1'); // not user text: left as it is
  });

  it('writes a header and records ended by CRLF, and JSON elements that join into one array', () => {
    type Page = { n: number[]; s: (string | null)[] };
    const columns: ExportColumn<Page>[] = [
      { csv: 'n_value', json: 'nValue', get: (p, i) => p.n[i] },
      { csv: 's', json: 's', get: (p, i) => p.s[i], userText: true },
    ];
    const page: Page = { n: [1, 2, 3], s: ['a', null, '=x'] };
    expect(csvHeader(columns) + csvRecords(columns, page, 0, 3)).toBe("n_value,s\r\n1,a\r\n2,\r\n3,'=x\r\n");
    expect(csvRecords(columns, page, 1, 1)).toBe('');
    const json = '[' + jsonElements(columns, page, true, 0, 2) + jsonElements(columns, page, false, 2, 3) + '\n]\n';
    expect(json).toBe('[\n{"nValue":1,"s":"a"},\n{"nValue":2,"s":null},\n{"nValue":3,"s":"=x"}\n]\n');
    expect(JSON.parse(json)).toEqual([{ nValue: 1, s: 'a' }, { nValue: 2, s: null }, { nValue: 3, s: '=x' }]);
  });

  it('makes file names without quotes, CR/LF, path separators or colons, with RFC 6266 filename* for non-ASCII', () => {
    expect(safeFileName('meshping-host/../"evil"\r\n-::1-1-2.csv')).toBe('meshping-host_.._evil_-_1-1-2.csv');
    expect(safeFileName('..hidden')).toBe('_hidden');
    expect(attachmentDisposition('meshping-a1-127.0.0.1-1-2.csv')).toBe('attachment; filename="meshping-a1-127.0.0.1-1-2.csv"');
    expect(attachmentDisposition('meshping-zürich-2001:db8::1-1-2.csv')).toBe(
      `attachment; filename="meshping-z_rich-2001_db8_1-1-2.csv"; filename*=UTF-8''meshping-z%C3%BCrich-2001_db8_1-1-2.csv`,
    );
    expect(attachmentDisposition('x\u202Ey.csv')).toBe('attachment; filename="x_y.csv"');
  });
});
