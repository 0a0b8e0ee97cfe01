/**
 * Server-side PNG of paralab charts (kernel only): the configs from configs.ts drawn
 * by chart.js on an @napi-rs/canvas canvas, several charts stacked vertically.
 */
import * as fs from "node:fs";
import { createCanvas, GlobalFonts, type Canvas } from "@napi-rs/canvas";
import { Chart, registerables, type Plugin } from "chart.js";
import { chartConfigsFor, LIGHT_THEME, type AnyChartConfiguration, type ChartTheme } from "./index";

/** Fonts tried in order; the first that exists is registered for PNG text. */
const FONT_CANDIDATES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
  "/usr/share/fonts/liberation/LiberationSans-Regular.ttf",
  "/usr/share/fonts/TTF/DejaVuSans.ttf",
];
const BOLD_FONT_CANDIDATES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
  "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
  "/usr/share/fonts/liberation/LiberationSans-Bold.ttf",
  "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
];
/** The family name PNG text is drawn with. */
export const PNG_FONT_FAMILY = "paralab-sans";

let setUp = false;
let fontFile: string | undefined;

/**
 * Registers chart.js components and the PNG font, once. Returns the font file used,
 * or undefined when none was found (text then falls back to whatever Skia finds;
 * on Debian, `apt-get install fonts-dejavu-core` provides one).
 */
export function setUpPngRendering(): string | undefined {
  if (setUp) return fontFile;
  setUp = true;
  Chart.register(...registerables);
  fontFile = FONT_CANDIDATES.find((f) => fs.existsSync(f));
  if (fontFile) GlobalFonts.registerFromPath(fontFile, PNG_FONT_FAMILY);
  const bold = BOLD_FONT_CANDIDATES.find((f) => fs.existsSync(f));
  if (bold) GlobalFonts.registerFromPath(bold, PNG_FONT_FAMILY);
  return fontFile;
}

/** Paints the theme background under the chart (a new canvas is transparent). */
function backgroundPlugin(color: string): Plugin {
  return {
    id: "paralabBackground",
    beforeDraw(chart) {
      const { ctx, width, height } = chart;
      ctx.save();
      ctx.globalCompositeOperation = "destination-over";
      ctx.fillStyle = color;
      ctx.fillRect(0, 0, width, height);
      ctx.restore();
    },
  };
}

/** Height a config asks for at this width (configs carry an aspect ratio). */
export function chartHeightPx(config: AnyChartConfiguration, widthPx: number): number {
  const ratio = (config.options as { aspectRatio?: number } | undefined)?.aspectRatio;
  const h = ratio && ratio > 0 ? widthPx / ratio : widthPx / 2;
  return Math.max(120, Math.round(h));
}

/**
 * Draws one config onto a new canvas of the given size and hands the canvas to `use`
 * before the chart is destroyed (destroying a chart clears its canvas).
 */
export function withChartCanvas<T>(
  config: AnyChartConfiguration,
  theme: ChartTheme,
  widthPx: number,
  heightPx: number,
  use: (canvas: Canvas) => T,
): T {
  setUpPngRendering();
  const canvas = createCanvas(widthPx, heightPx);
  const options = {
    ...(config.options as Record<string, unknown>),
    responsive: false,
    animation: false,
    events: [],
    devicePixelRatio: 1,
  };
  // chart.js reads a canvas-like object: width, height, getContext("2d").
  const chart = new Chart(
    canvas as unknown as ConstructorParameters<typeof Chart>[0],
    {
      ...config,
      options,
      plugins: [...(config.plugins ?? []), backgroundPlugin(theme.background)],
    } as AnyChartConfiguration,
  );
  try {
    chart.draw();
    return use(canvas);
  } finally {
    chart.destroy();
  }
}

/** Uses the registered PNG font in every config (theme fonts name browser fonts). */
function pngTheme(theme: ChartTheme): ChartTheme {
  const file = setUpPngRendering();
  return file ? { ...theme, fontFamily: PNG_FONT_FAMILY } : theme;
}

const CAPTION_FONT_PX = 13;
const CAPTION_LINE_PX = 18;
const CAPTION_MARGIN_PX = 12;

/**
 * Renders configs stacked top to bottom into one PNG, with `caption` (the record's summary)
 * wrapped beneath them: frontends that show the PNG show the words too.
 */
export function renderConfigsPng(
  configs: AnyChartConfiguration[],
  theme: ChartTheme,
  widthPx = 800,
  caption = "",
): Buffer {
  setUpPngRendering();
  const width = Math.max(200, Math.round(widthPx));
  const heights = configs.map((c) => chartHeightPx(c, width));
  const font = `${CAPTION_FONT_PX}px ${theme.fontFamily}`;
  const lines = caption ? wrapText(caption, width - 2 * CAPTION_MARGIN_PX, font) : [];
  const captionPx = lines.length ? lines.length * CAPTION_LINE_PX + CAPTION_MARGIN_PX : 0;
  const chartsPx = heights.reduce((a, b) => a + b, 0);
  const out = createCanvas(width, Math.max(1, chartsPx + captionPx));
  const ctx = out.getContext("2d");
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, width, chartsPx + captionPx);
  let y = 0;
  configs.forEach((config, i) => {
    withChartCanvas(config, theme, width, heights[i], (part) => ctx.drawImage(part, 0, y));
    y += heights[i];
  });
  ctx.fillStyle = theme.foreground;
  ctx.font = font;
  ctx.textBaseline = "top";
  lines.forEach((line, i) => ctx.fillText(line, CAPTION_MARGIN_PX, y + i * CAPTION_LINE_PX));
  return out.toBuffer("image/png");
}

/** Greedy word wrap at `maxPx` in `font`. */
function wrapText(text: string, maxPx: number, font: string): string[] {
  const ctx = createCanvas(1, 1).getContext("2d");
  ctx.font = font;
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      const candidate = line ? `${line} ${word}` : word;
      if (line && ctx.measureText(candidate).width > maxPx) {
        lines.push(line);
        line = word;
      } else line = candidate;
    }
    if (line) lines.push(line);
  }
  return lines;
}

/**
 * The PNG for a record: every chart chartConfigsFor(mime, data) returns, stacked.
 * Throws TypeError for an unknown MIME type or a malformed record.
 */
export function renderPng(
  mime: string,
  data: unknown,
  theme: ChartTheme = LIGHT_THEME,
  widthPx = 800,
  caption = "",
): Buffer {
  const t = pngTheme(theme);
  const configs = chartConfigsFor(mime, data, t, { static: true, referenceWidthPx: widthPx });
  return renderConfigsPng(configs, t, widthPx, caption);
}
