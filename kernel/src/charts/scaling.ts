/**
 * The scaling chart: measured speedup against workers, the ideal line and the Amdahl fit; for weak
 * scaling (record.weak), the scaled speedup against the ideal line N and Gustafson's line.
 */
import { DISTURBED_TITLE, isDisturbed } from "./disturbance";
import type { TooltipItem } from "chart.js";
import type { ScalingRecord } from "../run/records";
import { amdahlSpeedup } from "./amdahl";
import { gustafsonSpeedup } from "./gustafson";
import { AnyChartConfiguration, axis, baseOptions, ConfigOptions, niceMax, XYPoint } from "./layout";
import { ChartTheme, LIGHT_THEME } from "./theme";
import { Whisker, whiskersPlugin } from "./whiskers";

/** ", s 0.01–0.08 within the spreads" or ", RMS error 0.05x": how well the curve fits, for its legend. */
function fitAgreement(fit: NonNullable<ScalingRecord["fit"]>): string {
  const range = fit.serialFractionRange;
  if (range === null) return ", no s fits every spread";
  if (range) return `, s ${range.min.toFixed(2)}–${range.max.toFixed(2)} within the spreads`;
  return fit.quality === "fitted" && fit.rmsError !== undefined ? `, RMS error ${fit.rmsError.toFixed(2)}x` : "";
}

/** A fitted law's curve (Amdahl's or Gustafson's), drawn dotted on top of the measured points. */
function fitLine(
  label: string,
  curve: readonly { workers: number; speedup: number }[],
  theme: ChartTheme,
): Record<string, unknown> {
  return {
    type: "scatter",
    label,
    data: curve.map((p): XYPoint => ({ x: p.workers, y: p.speedup })),
    showLine: true,
    borderColor: theme.series.fit,
    backgroundColor: theme.series.fit,
    // Dotted and drawn on top: where it passes through the measured points, both stay visible.
    borderDash: [2, 4],
    borderWidth: 3,
    pointRadius: 0,
    pointStyle: "line",
    order: -1,
  };
}

/** Weak scaling's fit line and title: Gustafson's s + (1 − s)·N, with what the points can claim. */
function gustafsonParts(
  record: ScalingRecord,
  points: readonly { workers: number; speedup: number }[],
  theme: ChartTheme,
): { dataset?: Record<string, unknown>; title: string } {
  const g = record.gustafson ?? { points: points.length, quality: "none" as const, curve: [] };
  if (g.quality === "slowdown" || g.quality === "none" || g.serialFraction === undefined) {
    const best = g.bestSpeedup ?? Math.max(0, ...points.filter((p) => p.workers >= 2).map((p) => p.speedup));
    return {
      title:
        g.quality === "slowdown"
          ? `Weak scaling: a slowdown (best scaled speedup ${best.toFixed(2)}x), overhead dominates: no Gustafson fit`
          : "Weak scaling: measured scaled speedup",
    };
  }
  const s = g.serialFraction;
  const range = g.serialFractionRange;
  const agreement =
    range === null
      ? ", no s fits every spread"
      : range
        ? `, s ${range.min.toFixed(2)}–${range.max.toFixed(2)} within the spreads`
        : g.quality === "fitted" && g.rmsError !== undefined
          ? `, RMS error ${g.rmsError.toFixed(2)}x`
          : "";
  const pct = `${(s * 100).toFixed(s < 0.1 ? 1 : 0)}%`;
  return {
    title: `Weak scaling: Gustafson serial fraction ≈ ${pct}${g.quality === "exact" ? ` (estimate from ${g.points} points)` : ""}`,
    dataset: fitLine(
      g.quality === "fitted"
        ? `Gustafson fit s + (1 − s)·N (s = ${s.toFixed(3)}${agreement})`
        : `Gustafson through ${g.points} points (s ≈ ${s.toFixed(3)}, an estimate${agreement})`,
      g.curve.length ? g.curve : points.map((p) => ({ workers: p.workers, speedup: gustafsonSpeedup(s, p.workers) })),
      theme,
    ),
  };
}

/** `--scaling`: measured speedup vs workers, the ideal line, the Amdahl fit (or, weak, Gustafson's). */
export function scalingConfig(
  record: ScalingRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  const points = [...record.points].sort((a, b) => a.workers - b.workers);
  const weak = record.weak === true;
  const gustafson = weak ? gustafsonParts(record, points, theme) : undefined;
  const maxWorkers = Math.max(1, ...points.map((p) => p.workers), ...record.amdahl.map((p) => p.workers));
  const s = record.serialFraction ?? 0;
  const pct = `${(s * 100).toFixed(s < 0.1 ? 1 : 0)}%`;
  const fit = record.fit ?? { points: points.length, quality: "exact" as const };
  // A slowdown has no serial fraction (README, Magics: how runs are measured): no curve, and the title says why.
  const slowdown = fit.quality === "slowdown" || record.serialFraction === undefined;
  const caveat =
    fit.quality === "fitted"
      ? fit.limit !== undefined
        ? `, limit ${fit.limit.toFixed(1)}x`
        : ""
      : fit.quality === "exact"
        ? ` (estimate from ${fit.points} points)`
        : "";
  // With rounds (--repeat), each measured point is a median and a whisker spans its rounds' speedups.
  const whiskers: Whisker[] =
    (record.repeat?.rounds ?? 1) > 1
      ? points.flatMap((p, index) =>
          p.speedupMin !== undefined && p.speedupMax !== undefined && p.speedupMax > p.speedupMin
            ? [{ datasetIndex: 0, index, min: p.speedupMin, max: p.speedupMax }]
            : [],
        )
      : [];
  const maxSpeedup = Math.max(maxWorkers, ...points.map((p) => p.speedup), ...whiskers.map((w) => w.max));
  const datasets: Record<string, unknown>[] = [
    {
      type: "scatter",
      label:
        (weak ? "measured scaled speedup" : "measured") +
        (whiskers.length ? ` (median of ${record.repeat!.rounds} rounds; whiskers: their range)` : ""),
      data: points.map((p): XYPoint => ({ x: p.workers, y: p.speedup })),
      showLine: true,
      borderColor: theme.series.measured,
      backgroundColor: theme.series.measured,
      borderWidth: 2,
      pointRadius: 5,
      pointHoverRadius: 7,
      pointStyle: "circle",
      clip: 8,
      order: 0,
    },
    {
      type: "scatter",
      label: weak ? "ideal (scaled speedup = workers: no serial time)" : "ideal (speedup = workers)",
      data: [
        { x: 1, y: 1 },
        { x: maxWorkers, y: maxWorkers },
      ],
      showLine: true,
      borderColor: theme.series.ideal,
      backgroundColor: theme.series.ideal,
      borderDash: [6, 4],
      borderWidth: 1.5,
      pointRadius: 0,
      pointStyle: "line",
      order: 2,
    },
  ];
  if (gustafson?.dataset) datasets.push(gustafson.dataset);
  if (!weak && !slowdown) {
    datasets.push(
      fitLine(
        fit.quality === "fitted"
          ? `Amdahl fit (serial fraction s = ${s.toFixed(3)}${fitAgreement(fit)})`
          : `Amdahl through ${fit.points} points (s ≈ ${s.toFixed(3)}, an estimate${fitAgreement(fit)})`,
        record.amdahl.length
          ? record.amdahl
          : points.map((p) => ({ workers: p.workers, speedup: amdahlSpeedup(s, p.workers) })),
        theme,
      ),
    );
  }
  if (record.cores > 0 && record.cores < maxWorkers) {
    datasets.push({
      type: "scatter",
      label: `${record.cores} cores on this machine`,
      data: [
        { x: record.cores, y: 0 },
        { x: record.cores, y: maxSpeedup },
      ],
      showLine: true,
      borderColor: theme.series.cores,
      backgroundColor: theme.series.cores,
      borderDash: [2, 3],
      borderWidth: 1.5,
      pointRadius: 0,
      pointStyle: "line",
      order: 3,
    });
  }
  const best = fit.bestSpeedup ?? Math.max(0, ...points.filter((p) => p.workers >= 2).map((p) => p.speedup));
  const title =
    (record.title ??
      gustafson?.title ??
      (slowdown
        ? `Scaling: a slowdown (best ${best.toFixed(2)}x), overhead dominates: no Amdahl fit`
        : fit.quality === "none"
          ? "Scaling: measured speedup"
          : `Scaling: Amdahl serial fraction ≈ ${pct}${caveat}`)) + (isDisturbed(record) ? DISTURBED_TITLE : "");
  const base = baseOptions(theme, options, title, 380, true);
  return {
    type: "scatter",
    data: { datasets },
    plugins: whiskers.length ? [whiskersPlugin(whiskers, theme.series.measured, "y")] : [],
    options: {
      ...base,
      scales: {
        x: axis(theme, { title: "workers", min: 0, max: maxWorkers, stepSize: maxWorkers <= 16 ? 1 : undefined }),
        y: axis(theme, {
          title: weak ? "scaled speedup (×, N × T(1) ÷ T(N))" : "speedup (×, vs 1 worker)",
          min: 0,
          fixedWidth: true,
          ...(whiskers.length ? { max: niceMax(maxSpeedup) } : {}),
        }),
      },
      plugins: {
        ...(base.plugins as Record<string, unknown>),
        tooltip: {
          enabled: options.static !== true,
          callbacks: {
            label: (item: TooltipItem<"scatter">) =>
              `${item.dataset.label}: ${item.parsed.x} workers → ${Number(item.parsed.y).toFixed(2)}x`,
          },
        },
      },
    },
  } as unknown as AnyChartConfiguration;
}
