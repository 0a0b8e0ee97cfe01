/**
 * `import { widgets } from "paralab"`: Jupyter widgets from cells. Each class opens one model of
 * the widget specification (its defaults from @jupyter-widgets/schema, see
 * widgets/models.generated.ts) and has every attribute of the model as a typed property whose
 * value is synced both ways; `observe(name, cb)` runs cb when the frontend or the kernel changes
 * it. A widget shows as a cell's last value or with display(w) / w.display().
 */
import { inspect } from "node:util";
import { outputCell } from "../cell/current";
import { afterReplyAtOnce, DisplayContent, MIME_BUNDLE, MimeBundle, OutputSink } from "../output";
import { MODELS, ModelName, ModelParts, ModelStates } from "../widgets/models.generated";
import { WIDGET_VIEW_MIME, WidgetManager, widgetManager } from "../widgets/manager";
import type { WidgetModel, WireChange } from "../widgets/model";
import { fromWire, toWire } from "../widgets/wire";
import { captureConsoleInto, inCallbackScope, messageSink, withSink } from "./callback-scope";

/** The attributes a widget shows as properties: the model's state without the protocol's own. */
type Public<S> = Omit<S, `_${string}`>;
/** Attributes whose specification type is too loose for a typed API. */
type Fixed<N extends ModelName, S> = N extends "IntRangeSlider" | "FloatRangeSlider"
  ? Omit<S, "value"> & { value: [number, number] }
  : S;
export type Attributes<N extends ModelName> = Fixed<N, Omit<Public<ModelStates[N]>, keyof ModelParts[N]>>;
/** Layout and style: a widget of their own, given as a partial state in the options. */
type PartOptions<N extends ModelName> = {
  [K in keyof ModelParts[N]]?: Partial<Public<ModelParts[N][K]>> | PartWidget<ModelParts[N][K]>;
};
export type WidgetOptions<N extends ModelName> = Partial<Attributes<N>> & PartOptions<N>;
type PartWidgets<N extends ModelName> = { readonly [K in keyof ModelParts[N]]: PartWidget<ModelParts[N][K]> };
type PartWidget<S> = Widget<Public<S>> & Public<S>;

/** A change of one attribute, as observe's callbacks receive it. */
export interface Change<T = unknown> {
  name: string;
  old: T;
  new: T;
  owner: Widget<object>;
}

/** Widgets of this kernel by model id: references in the state ("IPY_MODEL_…") come back as these. */
const byId = new Map<string, Widget>();
const managers = new WeakSet<WidgetManager>();

/** The kernel's widget manager, with callbacks that run as if in a cell. */
function manager(what: string): WidgetManager {
  const m = widgetManager(what);
  if (!managers.has(m)) {
    m.runCallbacks = (work, msg) =>
      inCallbackScope(
        "a widget callback",
        work,
        msg && messageSink((type, content) => m.comms.publish(type, content, msg)),
      );
    managers.add(m);
  }
  return m;
}

/**
 * One widget model. Subclasses (made by `control`) add its attributes as properties; `S` types
 * them for observe.
 */
export class Widget<S extends object = object> {
  readonly modelId: string;
  /** @internal */
  readonly model: WidgetModel;

  constructor(name: ModelName, options: Record<string, unknown> = {}) {
    const m = manager(`new widgets.${name}()`);
    const patch: Record<string, unknown> = {};
    for (const [part, partModel] of Object.entries(MODELS[name].newInstances)) {
      // A widget given as layout/style is shared (as ipywidgets' layout=Layout(...)); a partial state makes a new one.
      const given = options[part];
      patch[part] =
        given instanceof Widget
          ? given
          : new (control(partModel as ModelName))((given as Record<string, unknown> | undefined) ?? {});
    }
    const spec = MODELS[name].defaults;
    for (const [key, value] of Object.entries(options)) {
      if (key in MODELS[name].newInstances) continue;
      if (!(key in spec) && !this.knows(key)) {
        throw new TypeError(`widgets.${name}: it has no option "${key}". Its options: ${publicKeys(name).join(", ")}.`);
      }
      patch[key] = value;
    }
    this.model = m.create(name, this.wireOptions(patch));
    this.modelId = this.model.id;
    byId.set(this.modelId, this);
    this.model.onClose(() => byId.delete(this.modelId));
  }

  /** Options a subclass handles itself (selection widgets' options and value). */
  protected knows(key: string): boolean {
    void key;
    return false;
  }

  /** Turns the constructor's options into state (a subclass maps its own). */
  protected wireOptions(options: Record<string, unknown>): Record<string, unknown> {
    return toWire(options) as Record<string, unknown>;
  }

  /**
   * Runs `callback` each time one of `names` changes ("*": any), from the frontend or from the
   * kernel. Returns a function that stops it. A callback's promise is awaited before the kernel
   * answers the next message.
   */
  observe<K extends keyof S & string>(
    names: K | readonly K[] | "*",
    callback: (change: Change<S[K]>) => void | Promise<void>,
  ): () => void {
    const wanted = names === "*" ? undefined : new Set<string>(typeof names === "string" ? [names] : names);
    return this.model.observe(async (wire) => {
      for (const change of this.changes(wire)) {
        if (!wanted || wanted.has(change.name)) await callback(change as Change<S[K]>);
      }
    });
  }

  /** The changes observers see for one change on the wire (a subclass adds derived ones). */
  protected changes(wire: WireChange): Change[] {
    return [{ name: wire.name, old: fromWire(wire.old, lookup), new: fromWire(wire.new, lookup), owner: this }];
  }

  /** Any attribute of the synced state by name, also one outside the specification (a custom model's). */
  get(name: string): unknown {
    return fromWire(this.model.get(name), lookup);
  }

  /** Sets attributes of the synced state by name, also ones outside the specification; resolves after the observers. */
  set(patch: Record<string, unknown>): Promise<void> {
    return this.model.set(toWire(patch) as Record<string, unknown>);
  }

  /** Sends a custom message to the frontend's model, with optional binary buffers. */
  send(content: unknown, buffers?: readonly (ArrayBuffer | ArrayBufferView)[]): void {
    this.model.sendCustom(content, buffers);
  }

  /** Runs `callback` on each custom message from the frontend's model. */
  onMessage(callback: (content: unknown, buffers: Uint8Array[]) => void | Promise<void>): () => void {
    return this.model.onCustom(callback);
  }

  /** Closes the widget's comm: its views disappear; using it afterwards is an error that says so. */
  close(): void {
    this.model.close();
  }

  get closed(): boolean {
    return this.model.closed;
  }

  /** Shows the widget in the cell's output (as display(w) does). */
  display(): void {
    this.model.assertOpen();
    outputCell("widget.display()").sink.display({ data: this[MIME_BUNDLE](), metadata: {} });
  }

  /** The view for Jupyter, and a line of text for frontends without widgets. */
  [MIME_BUNDLE](): MimeBundle {
    this.model.assertOpen();
    return {
      [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 0, model_id: this.modelId },
      "text/plain": this.toString(),
    };
  }

  toString(): string {
    const state = this.model.snapshot();
    const shown = ["description", "value", "min", "max", "options", "index", "children", "titles"]
      .filter((k) => k in state && k !== "children")
      .map((k) => `${k}=${inspect(fromWire(state[k], lookup), { breakLength: Infinity, depth: 1 })}`);
    return `${this.model.name}(${shown.join(", ")})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** @internal Sets state from a property setter; observers' errors are reported, not thrown. */
  setWire(patch: Record<string, unknown>): void {
    void this.model.set(toWire(patch) as Record<string, unknown>);
  }
}

function lookup(id: string): unknown {
  return byId.get(id);
}

function publicKeys(name: ModelName): string[] {
  return Object.keys(MODELS[name].defaults).filter((k) => !k.startsWith("_"));
}

/** The properties of each attribute, defined once per class from the specification. */
function defineAttributes(proto: object, name: ModelName): void {
  for (const key of Object.keys(MODELS[name].defaults)) {
    if (key.startsWith("_") || Object.prototype.hasOwnProperty.call(proto, key)) continue;
    Object.defineProperty(proto, key, {
      configurable: true,
      get(this: Widget) {
        return fromWire(this.model.get(key), lookup);
      },
      set(this: Widget, value: unknown) {
        this.setWire({ [key]: value });
      },
    });
  }
}

export type Control<N extends ModelName> = Widget<Attributes<N>> & Attributes<N> & PartWidgets<N>;
type ControlClass<N extends ModelName> = new (options?: WidgetOptions<N>) => Control<N>;

const classes = new Map<ModelName, unknown>();

/** The class of a model of the specification, with its attributes as properties. */
export function control<N extends ModelName>(name: N): ControlClass<N> {
  let cls = classes.get(name) as ControlClass<N> | undefined;
  if (!cls) {
    const made = class extends Widget {
      constructor(options: WidgetOptions<N> = {} as WidgetOptions<N>) {
        super(name, options as Record<string, unknown>);
      }
    };
    Object.defineProperty(made, "name", { value: name });
    defineAttributes(made.prototype, name);
    cls = made as unknown as ControlClass<N>;
    classes.set(name, cls);
  }
  return cls;
}

export const IntSlider = control("IntSlider");
export type IntSlider = Control<"IntSlider">;
export const FloatSlider = control("FloatSlider");
export type FloatSlider = Control<"FloatSlider">;
export const IntRangeSlider = control("IntRangeSlider");
export type IntRangeSlider = Control<"IntRangeSlider">;
export const FloatRangeSlider = control("FloatRangeSlider");
export type FloatRangeSlider = Control<"FloatRangeSlider">;
export const IntText = control("IntText");
export type IntText = Control<"IntText">;
export const FloatText = control("FloatText");
export type FloatText = Control<"FloatText">;
export const Checkbox = control("Checkbox");
export type Checkbox = Control<"Checkbox">;
export const ToggleButton = control("ToggleButton");
export type ToggleButton = Control<"ToggleButton">;
export const Text = control("Text");
export type Text = Control<"Text">;
export const Textarea = control("Textarea");
export type Textarea = Control<"Textarea">;
export const Label = control("Label");
export type Label = Control<"Label">;
export const HTML = control("HTML");
export type HTML = Control<"HTML">;
export const Play = control("Play");
export type Play = Control<"Play">;
export const IntProgress = control("IntProgress");
export type IntProgress = Control<"IntProgress">;
export const FloatProgress = control("FloatProgress");
export type FloatProgress = Control<"FloatProgress">;
export const HBox = control("HBox");
export type HBox = Control<"HBox">;
export const VBox = control("VBox");
export type VBox = Control<"VBox">;
/** Tabs; as in ipywidgets, the first tab is selected when there are children and no selected_index. */
export class Tab extends control("Tab") {
  constructor(options: WidgetOptions<"Tab"> = {}) {
    const first = options.selected_index === undefined && (options.children?.length ?? 0) > 0;
    super(first ? { ...options, selected_index: 0 } : options);
  }
}
export const Accordion = control("Accordion");
export type Accordion = Control<"Accordion">;
export const Layout = control("Layout");
export type Layout = Control<"Layout">;

/** A button; onClick runs its callback on each click in the frontend (and on click() from code). */
export class Button extends control("Button") {
  private readonly clickHandlers = new Set<(button: Button) => void | Promise<void>>();

  constructor(options?: WidgetOptions<"Button">) {
    super(options);
    this.onMessage(async (content) => {
      if ((content as { event?: unknown })?.event === "click") await this.runClick();
    });
  }

  /** Runs `callback` on each click; returns a function that removes it. */
  onClick(callback: (button: Button) => void | Promise<void>): () => void {
    this.clickHandlers.add(callback);
    return () => this.clickHandlers.delete(callback);
  }

  /** Clicks it from code: the same callbacks as a click in the frontend, awaited. */
  async click(): Promise<void> {
    this.model.assertOpen();
    await inCallbackScope("a button's click", () => this.runClick());
  }

  private async runClick(): Promise<void> {
    for (const handler of [...this.clickHandlers]) await handler(this);
  }
}

/** One choice of a selection widget: the value, or [label, value]. */
export type Choice<T> = T | readonly [string, T];
type SelectionName = "Dropdown" | "ToggleButtons" | "RadioButtons" | "Select";
export type SelectionOptions<N extends SelectionName, T> = Partial<Omit<Attributes<N>, "index" | "value" | "label">> &
  PartOptions<N> & { options: readonly Choice<T>[]; value?: T; index?: number };
type SelectionAttributes<N extends SelectionName, T> = Omit<Attributes<N>, "value" | "label" | "index"> & {
  options: readonly Choice<T>[];
  value: T | null;
  label: string | null;
  index: number | null;
};

/**
 * Dropdown, ToggleButtons, RadioButtons and Select: the frontend knows labels and an index; the
 * kernel keeps the options and gives `value` (and `label`) from the index, as ipywidgets does.
 */
function selection<N extends SelectionName>(name: N) {
  class SelectionWidget<T = string> extends Widget<SelectionAttributes<N, T>> {
    // Set by wireOptions, which the base constructor calls before field initialisers would run.
    declare private choices: { label: string; value: T }[];

    constructor(options: SelectionOptions<N, T>) {
      super(name, options as unknown as Record<string, unknown>);
    }

    protected override knows(key: string): boolean {
      return key === "options" || key === "value";
    }

    protected override wireOptions(options: Record<string, unknown>): Record<string, unknown> {
      const { options: list, value, index, ...rest } = options;
      this.choices = toChoices(name, list);
      let at = typeof index === "number" ? index : this.choices.length ? 0 : null;
      if (value !== undefined) at = this.indexOf(value as T);
      return {
        ...(toWire(rest) as Record<string, unknown>),
        _options_labels: this.choices.map((c) => c.label),
        index: at,
      };
    }

    get options(): readonly Choice<T>[] {
      return this.choices.map((c) => [c.label, c.value] as const);
    }
    set options(list: readonly Choice<T>[]) {
      this.choices = toChoices(name, list);
      this.setWire({ _options_labels: this.choices.map((c) => c.label), index: this.choices.length ? 0 : null });
    }
    get index(): number | null {
      return this.model.get("index") as number | null;
    }
    set index(i: number | null) {
      this.setWire({ index: i });
    }
    get value(): T | null {
      const i = this.index;
      return i === null || i === undefined ? null : (this.choices[i]?.value ?? null);
    }
    set value(v: T | null) {
      this.setWire({ index: v === null ? null : this.indexOf(v) });
    }
    get label(): string | null {
      const i = this.index;
      return i === null || i === undefined ? null : (this.choices[i]?.label ?? null);
    }

    protected override changes(wire: WireChange): Change[] {
      const own = super.changes(wire);
      if (wire.name !== "index") return own;
      const at = (i: unknown) => (typeof i === "number" ? this.choices[i] : undefined);
      return [
        ...own,
        { name: "value", old: at(wire.old)?.value ?? null, new: at(wire.new)?.value ?? null, owner: this },
        { name: "label", old: at(wire.old)?.label ?? null, new: at(wire.new)?.label ?? null, owner: this },
      ];
    }

    private indexOf(value: T): number {
      const i = this.choices.findIndex((c) => Object.is(c.value, value));
      if (i < 0) {
        throw new RangeError(
          `widgets.${name}: ${inspect(value)} is not one of its options (${this.choices.map((c) => inspect(c.value)).join(", ")})`,
        );
      }
      return i;
    }
  }
  defineAttributes(SelectionWidget.prototype, name);
  return SelectionWidget as unknown as new <T = string>(
    options: SelectionOptions<N, T>,
  ) => Widget<SelectionAttributes<N, T>> & SelectionAttributes<N, T> & PartWidgets<N>;
}

function toChoices<T>(name: string, list: unknown): { label: string; value: T }[] {
  if (!Array.isArray(list))
    throw new TypeError(`widgets.${name}: options must be a list of values or [label, value] pairs`);
  return list.map((c: unknown) =>
    Array.isArray(c) && c.length === 2 && typeof c[0] === "string"
      ? { label: c[0], value: c[1] as T }
      : { label: String(c), value: c as T },
  );
}

export const Dropdown = selection("Dropdown");
export type Dropdown<T = string> = InstanceType<typeof Dropdown<T>>;
export const ToggleButtons = selection("ToggleButtons");
export type ToggleButtons<T = string> = InstanceType<typeof ToggleButtons<T>>;
export const RadioButtons = selection("RadioButtons");
export type RadioButtons<T = string> = InstanceType<typeof RadioButtons<T>>;

/** A (widget, attribute) pair for jslink and jsdlink. */
export type Endpoint = readonly [Widget, string];

/** Keeps two attributes equal in the frontend (no kernel round trip), e.g. a Play's value and a slider's. */
export function jslink(source: Endpoint, target: Endpoint): Widget {
  return new (control("Link"))({ source: [...source], target: [...target] } as WidgetOptions<"Link">);
}

/** Copies source's attribute to target's in the frontend, one way. */
export function jsdlink(source: Endpoint, target: Endpoint): Widget {
  return new (control("DirectionalLink"))({
    source: [...source],
    target: [...target],
  } as WidgetOptions<"DirectionalLink">);
}

type NbOutput = Record<string, unknown>;

/**
 * Output: what code writes while it runs in capture(fn) (console.log, display, paralab's charts,
 * errors) shows inside the widget. The kernel keeps the outputs in the widget's `outputs`
 * attribute, so they are saved with the widget state and redrawn by any frontend.
 */
export class Output extends control("Output") {
  private readonly sink: OutputSink;
  private list: NbOutput[] = [];
  private clearOnNext = false;
  private readonly displayIds = new Map<string, NbOutput>();
  private flushing?: NodeJS.Immediate;

  constructor(options?: WidgetOptions<"Output">) {
    super(options);
    const add = (out: NbOutput) => {
      if (this.clearOnNext) this.clearNow();
      this.list.push(out);
      this.scheduleFlush();
    };
    const bundle = (type: string, c: DisplayContent): NbOutput => ({
      output_type: type,
      data: c.data,
      metadata: c.metadata ?? {},
    });
    this.sink = {
      stream: (name, text) => {
        const last = this.list[this.list.length - 1];
        if (!this.clearOnNext && last?.output_type === "stream" && last.name === name) {
          this.list[this.list.length - 1] = { ...last, text: String(last.text) + text };
          this.scheduleFlush();
        } else add({ output_type: "stream", name, text });
      },
      display: (content, update) => {
        const id = content.transient?.display_id;
        const previous = id ? this.displayIds.get(id) : undefined;
        if (update && previous) {
          const i = this.list.indexOf(previous);
          const next = bundle("display_data", content);
          if (i >= 0) this.list[i] = next;
          this.displayIds.set(id!, next);
          this.scheduleFlush();
          return;
        }
        if (update) return; // an update of an output this widget never had
        const out = bundle("display_data", content);
        add(out); // first: a pending clear empties displayIds
        if (id) this.displayIds.set(id, out);
      },
      clear: (wait) => {
        if (wait) this.clearOnNext = true;
        else this.clearNow();
      },
      result: (data) => add({ output_type: "display_data", data, metadata: {} }),
      afterReply: afterReplyAtOnce,
    };
  }

  /**
   * Runs `fn` with its output going into this widget (console.log, display, paralab charts);
   * an error is shown in the widget and thrown on. With `clear`, the previous output goes when
   * the first new output arrives (no flicker).
   */
  async capture<T>(fn: () => T | Promise<T>, options: { clear?: boolean } = {}): Promise<T> {
    this.model.assertOpen();
    if (options.clear) this.clearOnNext = true;
    const restoreConsole = captureConsoleInto(this.sink);
    try {
      return await withSink(this.sink, "Output.capture", fn);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.sink.stream("stderr", `${err.stack ?? `${err.name}: ${err.message}`}\n`);
      throw e;
    } finally {
      restoreConsole();
      this.flush();
    }
  }

  /** Removes every output (now, or with wait when the next output arrives). */
  clear(wait = false): void {
    this.sink.clear(wait);
    this.flush();
  }

  /** Appends a value as display(value) would show it. */
  appendDisplay(value: unknown): void {
    this.sink.result(bundleOf(value));
    this.flush();
  }

  appendStdout(text: string): void {
    this.sink.stream("stdout", text);
    this.flush();
  }

  appendStderr(text: string): void {
    this.sink.stream("stderr", text);
    this.flush();
  }

  private clearNow(): void {
    this.clearOnNext = false;
    this.list = [];
    this.displayIds.clear();
    this.scheduleFlush();
  }

  /** Many outputs in one turn of the event loop (a loop of console.log) go in one update. */
  private scheduleFlush(): void {
    this.flushing ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    if (!this.closed) this.setWire({ outputs: this.list.map((o) => ({ ...o })) });
  }
}

function bundleOf(value: unknown): MimeBundle {
  const own = (value as { [MIME_BUNDLE]?: () => MimeBundle } | null)?.[MIME_BUNDLE];
  return typeof own === "function"
    ? own.call(value)
    : { "text/plain": inspect(value, { depth: 4, maxArrayLength: 100 }) };
}

/**
 * An anywidget model (https://anywidget.dev): the view is an ES module, `esm`, whose render({ model,
 * el }) draws it in the page; `state` holds its synced attributes (get/set/observe by name). Needs
 * anywidget's labextension (pip install anywidget); it shows that other widget libraries' models
 * work over paralab's comms, not only the core controls.
 */
export class AnyWidget extends Widget<Record<string, unknown>> {
  constructor(options: { esm: string; css?: string; state?: Record<string, unknown> }) {
    super("DOMWidget", options as unknown as Record<string, unknown>);
  }

  protected override knows(): boolean {
    return true;
  }

  protected override wireOptions(options: Record<string, unknown>): Record<string, unknown> {
    const { esm, css, state, layout } = options as { esm: string; css?: string; state?: object; layout?: unknown };
    return toWire({
      ...state,
      layout,
      _esm: esm,
      ...(css ? { _css: css } : {}),
      // anywidget registers its module under its own version; "*" lets any installed one serve.
      _model_module: "anywidget",
      _model_name: "AnyModel",
      _model_module_version: "*",
      _view_module: "anywidget",
      _view_name: "AnyView",
      _view_module_version: "*",
    }) as Record<string, unknown>;
  }
}
