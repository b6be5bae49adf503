/**
 * The HTML report in a real browser: headless Chromium renders the page to a PNG, and the pixels are checked (each
 * chart's legend swatches are drawn, not clipped by the SVG's box). One Chromium run for the whole file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/reconcile/compute.js';
import { renderHtml } from '../../src/reconcile/render.js';
import { GOLDEN } from './harness.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const SKIP = CHROMIUM ? '' : ' (SKIPPED: no Chromium at /usr/bin/chromium; on Debian: apt-get install -y chromium)';

/** A decoded PNG: 8-bit RGB or RGBA, not interlaced (what Chromium writes). */
interface Image {
  width: number;
  height: number;
  pixel(x: number, y: number): [number, number, number];
}

function decodePng(png: Buffer): Image {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colorType, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || interlace !== 0 || (colorType !== 2 && colorType !== 6))
        throw new Error(`unsupported PNG: depth ${depth}, color type ${colorType}, interlace ${interlace}`);
      channels = colorType === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i += 1) {
      const a = i >= channels ? out[y * stride + i - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= channels ? out[(y - 1) * stride + i - channels] : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      out[y * stride + i] = (line[i] + predictor) & 0xff;
    }
  }
  return {
    width,
    height,
    pixel: (x, y) => [
      out[y * stride + x * channels],
      out[y * stride + x * channels + 1],
      out[y * stride + x * channels + 2],
    ],
  };
}

const rgb = (hex: string): [number, number, number] =>
  [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/** Top-left corners of the solid `size`×`size` squares of exactly this colour with another colour on their left and above. */
function squares(image: Image, color: [number, number, number], size: number): Array<[number, number]> {
  const is = (x: number, y: number): boolean => {
    if (x < 0 || y < 0 || x >= image.width || y >= image.height) return false;
    const p = image.pixel(x, y);
    return p[0] === color[0] && p[1] === color[1] && p[2] === color[2];
  };
  const found: Array<[number, number]> = [];
  for (let y = 0; y + size <= image.height; y += 1) {
    for (let x = 0; x + size <= image.width; x += 1) {
      if (!is(x, y) || is(x - 1, y) || is(x, y - 1)) continue;
      let solid = true;
      for (let dy = 0; dy < size && solid; dy += 1)
        for (let dx = 0; dx < size && solid; dx += 1) solid = is(x + dx, y + dy);
      // Exactly the size: the colour stops right after it (a bar is wider or taller).
      if (solid && !is(x + size, y) && !is(x, y + size)) found.push([x, y]);
    }
  }
  return found;
}

/** The perfect week's report cut to its first day: one label per chart, the case whose legend was clipped. */
function oneDayReport(): Report {
  const week = JSON.parse(readFileSync(join(GOLDEN, 'perfect-week.json'), 'utf8')) as Report;
  const day = week.daily[0].day;
  return {
    ...week,
    buckets: week.buckets.filter((b) => b.start.startsWith(day)),
    daily: week.daily.slice(0, 1),
    known_differences: [],
  };
}

describe('the HTML report in headless Chromium', () => {
  let dir: string;
  let image: Image | undefined;
  let html: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'recon-html-browser-'));
    html = renderHtml(oneDayReport());
    if (!CHROMIUM) return;
    writeFileSync(join(dir, 'report.html'), html);
    const result = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--hide-scrollbars',
        '--force-device-scale-factor=1',
        `--user-data-dir=${join(dir, 'profile')}`,
        `--screenshot=${join(dir, 'shot.png')}`,
        '--window-size=1000,1400',
        `file://${join(dir, 'report.html')}`,
      ],
      { encoding: 'utf8', timeout: 240_000 },
    );
    if (!existsSync(join(dir, 'shot.png')))
      throw new Error(`chromium wrote no screenshot (exit ${result.status}): ${result.stderr}`);
    image = decodePng(readFileSync(join(dir, 'shot.png')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!CHROMIUM)(`draws every legend swatch of both charts inside their SVGs${SKIP}`, () => {
    expect(image!.width).toBe(1000);
    // Each series' 10×10 legend swatch is on screen: a legend drawn past the SVG's width is clipped and leaves none.
    for (const color of ['#4c78a8', '#f58518', '#54a24b', '#e45756']) {
      expect(squares(image!, rgb(color), 10), `legend swatch ${color}`).toHaveLength(1);
    }
    // The two legends sit under their charts: the dollars chart's above the tokens chart's.
    const [dollars] = squares(image!, rgb('#f58518'), 10);
    const [tokens] = squares(image!, rgb('#e45756'), 10);
    expect(dollars[1]).toBeLessThan(tokens[1]);
  });

  it('has no empty "Known sources of difference" heading', () => {
    expect(html).not.toContain('Known sources of difference');
    const withNotes = renderHtml({ ...oneDayReport(), known_differences: ['A note.'] });
    expect(withNotes).toContain('<h2>Known sources of difference</h2>\n<ul><li>A note.</li></ul>');
  });
});
