/**
 * A gzip member header with every optional field (FHCRC, FEXTRA, FNAME, FCOMMENT), for tests of the
 * gzip decoders: put it before the deflate data and trailer of a plain member (`member.subarray(10)`).
 */
export function gzipHeaderWithAllFields(): Buffer {
  return Buffer.concat([
    Buffer.from([0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3]),
    Buffer.from([4, 0]),
    Buffer.from("ab\0\0", "latin1"),
    Buffer.from("name.tar\0comment\0", "latin1"),
    Buffer.from([0x12, 0x34]),
  ]);
}
