/**
 * Error bars for repeated measurements (--repeat): chart.js 4 has none built in, so this small
 * inline plugin draws, for each listed point, a line from min to max along the value axis with a
 * cap at each end. Used by the same configs that feed the PNG and JupyterLab.
 */
import type { Chart, Plugin } from "chart.js";

export interface Whisker {
  datasetIndex: number;
  index: number;
  min: number;
  max: number;
}

/** `valueAxis`: the scale the values are on ("x" for horizontal bars, "y" for a speedup plot). */
export function whiskersPlugin(whiskers: readonly Whisker[], colour: string, valueAxis: "x" | "y"): Plugin {
  return {
    id: "paralabWhiskers",
    afterDatasetsDraw(chart: Chart) {
      const scale = chart.scales[valueAxis];
      if (!scale) return;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      for (const w of whiskers) {
        const meta = chart.getDatasetMeta(w.datasetIndex);
        const el = meta.data[w.index] as unknown as
          { x: number; y: number; height?: number; width?: number } | undefined;
        if (meta.hidden || !el) continue;
        const a = scale.getPixelForValue(w.min);
        const b = scale.getPixelForValue(w.max);
        const thickness = valueAxis === "x" ? el.height : el.width;
        const cap = Math.max(4, Math.min(10, (thickness ?? 16) * 0.3));
        ctx.beginPath();
        if (valueAxis === "x") {
          ctx.moveTo(a, el.y);
          ctx.lineTo(b, el.y);
          for (const x of [a, b]) {
            ctx.moveTo(x, el.y - cap);
            ctx.lineTo(x, el.y + cap);
          }
        } else {
          ctx.moveTo(el.x, a);
          ctx.lineTo(el.x, b);
          for (const y of [a, b]) {
            ctx.moveTo(el.x - cap, y);
            ctx.lineTo(el.x + cap, y);
          }
        }
        ctx.stroke();
      }
      ctx.restore();
    },
  };
}
