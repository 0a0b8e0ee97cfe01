/**
 * `interact(fn, spec)`: controls built from a spec, and fn re-run with their values on each
 * change, its output in an Output widget below them.
 *
 * Runs never overlap and are never interrupted: a change during a run waits for it, and all the
 * changes made meanwhile become one more run with the latest values (a parallel run stopped
 * half-way would show nothing useful, and restarting workers costs more than finishing). Changes
 * are debounced: a run starts once the controls have been still for `debounceMs`.
 */
import { runningCell } from "../cell/current";
import { inCallbackScope } from "./callback-scope";
import { Checkbox, Dropdown, FloatSlider, IntSlider, Output, Text, VBox, Widget, WidgetOptions } from "./widgets";

/**
 * One control per name: [min, max] or [min, max, step] (a slider; integers give an IntSlider),
 * a list of strings (a dropdown), a boolean (a checkbox), a string (a text box), or a widget
 * with a `value`.
 */
export type InteractSpec = Record<
  string,
  readonly [number, number] | readonly [number, number, number] | readonly string[] | boolean | string | Widget
>;

/** The values fn receives, typed from the spec. */
export type InteractValues<S extends InteractSpec> = {
  [K in keyof S]: S[K] extends boolean
    ? boolean
    : S[K] extends string
      ? string
      : S[K] extends readonly string[]
        ? S[K][number]
        : S[K] extends readonly number[]
          ? number
          : S[K] extends { value: infer V }
            ? V
            : unknown;
};

export interface InteractOptions {
  /** How long the controls must be still before a run starts (ms); default 200. */
  debounceMs?: number;
  /** Sliders send values while dragged (true) or on release (false, the default: fewer runs). */
  continuousUpdate?: boolean;
  /** Show the controls and output now (default true). */
  display?: boolean;
}

/** What interact returns: its controls, the output, the box holding both, and a way to run now. */
export interface Interactive<S extends InteractSpec> {
  readonly controls: { [K in keyof S]: Widget & { value: InteractValues<S>[K] } };
  readonly output: Output;
  readonly widget: VBox;
  /** The current values of the controls. */
  values(): InteractValues<S>;
  /** Runs fn now (after any run in progress); resolves when it has finished. */
  run(): Promise<void>;
  /** Resolves when no run is in progress or waiting. */
  idle(): Promise<void>;
}

export function interact<S extends InteractSpec>(
  fn: (values: InteractValues<S>) => unknown,
  spec: S,
  options: InteractOptions = {},
): Interactive<S> {
  const debounceMs = options.debounceMs ?? 200;
  const continuous = options.continuousUpdate ?? false;
  const controls = Object.fromEntries(
    Object.entries(spec).map(([name, s]) => [name, controlFor(name, s, continuous)]),
  ) as Interactive<S>["controls"];
  const output = new Output();
  const widget = new VBox({ children: [...Object.values(controls), output] });
  const values = () =>
    Object.fromEntries(
      Object.entries(controls).map(([k, c]) => [k, (c as { value: unknown }).value]),
    ) as InteractValues<S>;

  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const once = () =>
    output.capture(
      async () => {
        const result = await fn(values());
        // A string is shown as text (not quoted as inspect would); anything else as display() shows it.
        if (typeof result === "string") output.appendStdout(result.endsWith("\n") ? result : result + "\n");
        else if (result !== undefined) output.appendDisplay(result);
      },
      { clear: true },
    );
  /** One run, then one more while changes came in during it. */
  const loop = async () => {
    do {
      again = false;
      await once().catch(() => undefined); // the error is shown in the output
    } while (again);
  };
  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = inCallbackScope("interact", loop).finally(() => (running = undefined));
    return running;
  };
  for (const c of Object.values(controls)) {
    c.observe("value" as never, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void run(), debounceMs);
    });
  }
  if (options.display ?? true) widget.display();
  // The first run belongs to the cell that made the controls: it starts when the rest of the
  // cell's code has finished (so that code's output stays in the cell) and the cell ends after it.
  const cell = runningCell();
  if (cell) cell.background((rest) => rest.then(run));
  else void run();
  return { controls, output, widget, values, run, idle: async () => void (await running) };
}

function controlFor(name: string, s: InteractSpec[string], continuous_update: boolean): Widget {
  if (s instanceof Widget) return s;
  const description = name;
  if (typeof s === "boolean") return new Checkbox({ description, value: s });
  if (typeof s === "string") return new Text({ description, value: s, continuous_update });
  if (Array.isArray(s) && s.every((x) => typeof x === "string")) {
    return new Dropdown({ description, options: s as readonly string[] });
  }
  if (Array.isArray(s) && (s.length === 2 || s.length === 3) && s.every((x) => typeof x === "number")) {
    const [min, max, step] = s as readonly number[];
    if (!(min < max)) throw new RangeError(`interact: "${name}": [${min}, ${max}] needs min < max`);
    // As ipywidgets' interact: the value starts in the middle of the range.
    if ([min, max, step ?? 1].every(Number.isInteger)) {
      const o: WidgetOptions<"IntSlider"> = { description, min, max, step: step ?? 1, continuous_update };
      return new IntSlider({ ...o, value: Math.round((min + max) / 2) });
    }
    const o: WidgetOptions<"FloatSlider"> = {
      description,
      min,
      max,
      step: step ?? (max - min) / 100,
      continuous_update,
    };
    return new FloatSlider({ ...o, value: (min + max) / 2 });
  }
  throw new TypeError(
    `interact: "${name}" must be [min, max], [min, max, step], a list of strings, a boolean, a string or a widget; got ${JSON.stringify(s)}`,
  );
}
