/**
 * The chart theme of the current JupyterLab theme, and a signal when it changes.
 *
 * Colours of text, background and grid come from JupyterLab's CSS variables;
 * the status colours and palettes from paralab's LIGHT_THEME / DARK_THEME
 * (whichever matches `data-jp-theme-light` on <body>). The theme plugin in
 * index.ts calls `notifyThemeChanged()` on IThemeManager.themeChanged; mime.ts
 * and panel.ts listen to `themeChanged`.
 */
import { DARK_THEME, LIGHT_THEME, type ChartTheme } from "paralab/charts";
import { Signal, type ISignal } from "@lumino/signaling";

const changed = new Signal<object, ChartTheme>({});
let last = "";

/** Emitted after the JupyterLab theme changed, with the new chart theme. */
export const themeChanged: ISignal<object, ChartTheme> = changed;

/** True when JupyterLab shows a dark theme. */
export function isDarkTheme(): boolean {
  return document.body.dataset.jpThemeLight === "false";
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

/** The chart theme that matches JupyterLab's current theme. */
export function chartTheme(): ChartTheme {
  const base = isDarkTheme() ? DARK_THEME : LIGHT_THEME;
  return {
    ...base,
    name: `${base.name}:${document.body.dataset.jpThemeName ?? ""}`,
    foreground: cssVar("--jp-ui-font-color1", base.foreground),
    background: cssVar("--jp-layout-color0", base.background),
    grid: cssVar("--jp-border-color2", base.grid),
    fontFamily: cssVar("--jp-ui-font-family", base.fontFamily),
  };
}

/** Re-reads the theme and emits `themeChanged` when it differs from the last one. */
export function notifyThemeChanged(): void {
  const theme = chartTheme();
  const key = JSON.stringify(theme);
  if (key === last) return;
  last = key;
  changed.emit(theme);
}

/** Also follow <body>'s theme attributes, for the mime renderer used without the theme plugin. */
let observing = false;
export function observeBodyTheme(): void {
  if (observing || typeof MutationObserver === "undefined") return;
  observing = true;
  last = JSON.stringify(chartTheme());
  new MutationObserver(() => requestAnimationFrame(notifyThemeChanged)).observe(document.body, {
    attributes: true,
    attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"],
  });
}
