// Segment files: a stream's log is a directory of segments, each a header followed by batches in
// the format of src/types/batch-codec.ts, back to back. The file name is the segment's base _tp_sn,
// zero-padded to 20 digits, so a directory listing sorts segments in log order.
//
// Header (SEGMENT_HEADER_BYTES = 32, little-endian):
//    0  4  magic 0x47455354 ("TSEG")
//    4  2  format version (SEGMENT_FORMAT_VERSION)
//    6  2  reserved, 0
//    8  8  base _tp_sn, u64: the sn of the first row of the first batch
//   16  8  creation time, f64 ms since the Unix epoch
//   24  4  reserved, 0
//   28  4  CRC-32 of bytes [0, 28)
// Batches follow at offset 32; each is a multiple of 8 bytes long, so every batch starts 8-aligned.
//
// Invariants: batches in a segment have contiguous, increasing sn ranges starting at the header's
// base; a segment other than the last (active) one is sealed: fsynced and never written again.
import { crc32 } from 'node:zlib';
import { join } from 'node:path';

export const SEGMENT_MAGIC = 0x47455354;
export const SEGMENT_FORMAT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 32;
const SEGMENT_SUFFIX = '.seg';

export function segmentFileName(baseSn: number): string {
  return `${String(baseSn).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

/** The base sn encoded in a segment file name, or null when the name is not a segment's. */
export function parseSegmentFileName(name: string): number | null {
  if (!/^\d{20}\.seg$/.test(name)) return null;
  const sn = Number(name.slice(0, 20));
  return Number.isSafeInteger(sn) ? sn : null;
}

export function segmentPath(dir: string, baseSn: number): string {
  return join(dir, segmentFileName(baseSn));
}

export function encodeSegmentHeader(baseSn: number, createdAtMs: number): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  header.writeUInt32LE(SEGMENT_MAGIC, 0);
  header.writeUInt16LE(SEGMENT_FORMAT_VERSION, 4);
  header.writeBigUInt64LE(BigInt(baseSn), 8);
  header.writeDoubleLE(createdAtMs, 16);
  header.writeUInt32LE(crc32(header.subarray(0, 28)), 28);
  return header;
}

export interface SegmentHeader {
  readonly baseSn: number;
  readonly createdAtMs: number;
}

/** The decoded header, or a reason why the bytes are not a valid segment header. */
export function decodeSegmentHeader(bytes: Uint8Array): SegmentHeader | string {
  if (bytes.length < SEGMENT_HEADER_BYTES) return `header truncated (${bytes.length} of ${SEGMENT_HEADER_BYTES} bytes)`;
  const header = Buffer.from(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER_BYTES);
  if (header.readUInt32LE(0) !== SEGMENT_MAGIC) return 'bad segment magic';
  if (header.readUInt16LE(4) !== SEGMENT_FORMAT_VERSION) return `unsupported segment version ${header.readUInt16LE(4)}`;
  if (header.readUInt32LE(28) !== crc32(header.subarray(0, 28))) return 'segment header checksum mismatch';
  const baseSn = header.readBigUInt64LE(8);
  if (baseSn > BigInt(Number.MAX_SAFE_INTEGER)) return 'segment base sn out of range';
  return { baseSn: Number(baseSn), createdAtMs: header.readDoubleLE(16) };
}
