import { test, describe } from "node:test";
import * as assert from "node:assert/strict";
import { createCanvas, Image } from "@napi-rs/canvas";
import { DARK_THEME, LIGHT_THEME, MONITOR_MIME, RUN_MIME, SCALING_MIME, type ChartTheme } from "./index";
import { sampleMonitorRecord, sampleRunRecord, sampleScalingRecord } from "./fixtures";
import { renderPng, setUpPngRendering } from "./png";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(buf: Buffer): { width: number; height: number } {
  assert.ok(buf.subarray(0, 8).equals(PNG_SIGNATURE), "PNG signature");
  assert.equal(buf.toString("latin1", 12, 16), "IHDR");
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Decodes a PNG to RGBA pixels. */
function pixels(buf: Buffer): { data: Uint8ClampedArray; width: number; height: number } {
  const img = new Image();
  img.src = buf;
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  return { data: ctx.getImageData(0, 0, img.width, img.height).data, width: img.width, height: img.height };
}

interface PixelStats {
  /** Fraction of pixels that differ from the background. */
  nonBackground: number;
  /** Fraction of pixels close to the foreground (text) colour. */
  foreground: number;
  /** Fraction of transparent pixels. */
  transparent: number;
}

function stats(buf: Buffer, theme: ChartTheme, region?: { y0: number; y1: number }): PixelStats {
  const { data, width, height } = pixels(buf);
  const bg = hexToRgb(theme.background);
  const fg = hexToRgb(theme.foreground);
  const y0 = region?.y0 ?? 0;
  const y1 = Math.min(height, region?.y1 ?? height);
  let nonBg = 0;
  let nearFg = 0;
  let transparent = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const d = (c: [number, number, number]) =>
        Math.abs(data[i] - c[0]) + Math.abs(data[i + 1] - c[1]) + Math.abs(data[i + 2] - c[2]);
      if (data[i + 3] < 255) transparent++;
      if (d(bg) > 30) nonBg++;
      if (d(fg) < 60) nearFg++;
    }
  }
  const n = width * (y1 - y0);
  return { nonBackground: nonBg / n, foreground: nearFg / n, transparent: transparent / n };
}

test("a font is found for PNG text", () => {
  const font = setUpPngRendering();
  assert.ok(font, "no font found: install fonts-dejavu-core (Debian) for readable PNG charts");
});

const cases: [string, string, unknown][] = [
  ["run", RUN_MIME, sampleRunRecord(4, 16)],
  ["run with compare and errors", RUN_MIME, sampleRunRecord(2, 10, { errors: true, compare: true })],
  ["scaling", SCALING_MIME, sampleScalingRecord(0.1)],
  ["monitor", MONITOR_MIME, sampleMonitorRecord(2, 10)],
];

for (const theme of [LIGHT_THEME, DARK_THEME]) {
  describe(`renderPng, ${theme.name} theme`, () => {
    for (const [name, mime, record] of cases) {
      test(`${name}: valid PNG of the requested width, opaque, not blank`, () => {
        const png = renderPng(mime, record, theme, 640);
        const { width, height } = pngSize(png);
        assert.equal(width, 640);
        assert.ok(height >= 150 && height <= 2000, `height ${height}`);
        const s = stats(png, theme);
        assert.equal(s.transparent, 0, "background painted everywhere");
        assert.ok(s.nonBackground > 0.03, `only ${(s.nonBackground * 100).toFixed(1)}% drawn`);
        assert.ok(s.nonBackground < 0.8, `${(s.nonBackground * 100).toFixed(1)}% drawn: background missing?`);
      });
    }

    test("the title is drawn in the foreground colour (text renders)", () => {
      const png = renderPng(SCALING_MIME, sampleScalingRecord(0.1), theme, 800);
      const title = stats(png, theme, { y0: 0, y1: 36 });
      assert.ok(title.foreground > 0.005, `title band has ${(title.foreground * 100).toFixed(2)}% text pixels`);
    });
  });
}

test("stacked run charts are taller than one chart, and more workers make a taller timeline", () => {
  const one = pngSize(renderPng(RUN_MIME, { ...sampleRunRecord(2, 4), samples: [] })).height;
  const two = pngSize(renderPng(RUN_MIME, sampleRunRecord(2, 4))).height;
  const three = pngSize(renderPng(RUN_MIME, sampleRunRecord(2, 4, { compare: true }))).height;
  const wide = pngSize(renderPng(RUN_MIME, { ...sampleRunRecord(8, 16), samples: [] })).height;
  assert.ok(one < two && two < three, `${one} ${two} ${three}`);
  assert.ok(wide > one);
});

test("renderPng refuses a bad record", () => {
  assert.throws(() => renderPng(RUN_MIME, { version: 1, kind: "run" }), /tasks must be an array/);
});
