import type { CommManager } from "../protocol/comms";
import { asBytes, putBuffers, removeBuffers } from "./buffers";
import { MODELS, ModelName } from "./models.generated";
import { PROTOCOL_VERSION, RunCallbacks, WidgetModel } from "./model";

/** The comm target of widget models (both directions) and of the manager's control channel. */
export const WIDGET_TARGET = "jupyter.widget";
export const CONTROL_TARGET = "jupyter.widget.control";
/** The MIME type a widget's view is displayed with, and the notebook metadata key of saved state. */
export const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";
export const WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json";

/** Saved widget state as nbformat keeps it in the notebook's metadata (widget-state schema v2). */
export interface EmbedState {
  version_major: 2;
  version_minor: 0;
  state: Record<
    string,
    {
      model_name: string;
      model_module: string;
      model_module_version: string;
      state: Record<string, unknown>;
      buffers?: { path: (string | number)[]; data: string; encoding: "base64" }[];
    }
  >;
}

/**
 * Every widget model of this kernel, and the two comm targets: `jupyter.widget` (the frontend may
 * create models too) and `jupyter.widget.control` (a frontend that opens a notebook asks for all
 * states at once: request_states → update_states).
 */
export class WidgetManager {
  private readonly models = new Map<string, WidgetModel>();
  /** How observer callbacks run; the public API replaces it to give them a cell to print in. */
  runCallbacks: RunCallbacks = (callbacks) => callbacks();

  constructor(readonly comms: CommManager) {
    comms.registerTarget(WIDGET_TARGET, (comm, data, msg) => {
      const state = { ...((data.state ?? {}) as Record<string, unknown>) };
      putBuffers(state, data.buffer_paths, msg.buffers);
      this.track(new WidgetModel(comm, state, (cb, m) => this.runCallbacks(cb, m)));
    });
    comms.registerTarget(CONTROL_TARGET, (comm) => {
      comm.onMessage((data) => {
        if (data.method !== "request_states") {
          throw new Error(`${CONTROL_TARGET}: unknown method ${JSON.stringify(data.method)}; only request_states`);
        }
        const states: Record<string, unknown> = {};
        for (const model of this.models.values()) states[model.id] = this.describe(model, model.snapshot());
        const { state, bufferPaths, buffers } = removeBuffers(states);
        comm.send({ method: "update_states", states: state, buffer_paths: bufferPaths }, buffers);
      });
    });
  }

  /**
   * Opens a new model of the specification's `name` with its defaults, `patch` over them (wire
   * values), and a new model for each attribute that holds its own instance (layout, style)
   * unless `patch` gives one.
   */
  create(name: ModelName, patch: Record<string, unknown> = {}): WidgetModel {
    const spec = MODELS[name];
    const state: Record<string, unknown> = { ...spec.defaults };
    for (const [attr, widget] of Object.entries(spec.newInstances)) {
      if (patch[attr] === undefined) state[attr] = `IPY_MODEL_${this.create(widget as ModelName).id}`;
    }
    for (const [key, value] of Object.entries(patch)) if (value !== undefined) state[key] = value;
    const { state: json, bufferPaths, buffers } = removeBuffers(state);
    const comm = this.comms.open(
      WIDGET_TARGET,
      { state: json, buffer_paths: bufferPaths },
      { metadata: { version: PROTOCOL_VERSION }, buffers },
    );
    return this.track(new WidgetModel(comm, state, (cb, m) => this.runCallbacks(cb, m)));
  }

  get(id: string): WidgetModel | undefined {
    return this.models.get(id);
  }

  /** The open models' state as a notebook saves it (nbformat's widget-state metadata). */
  embedState(): EmbedState {
    const state: EmbedState["state"] = {};
    for (const model of this.models.values()) {
      const { state: json, bufferPaths, buffers } = removeBuffers(model.snapshot());
      state[model.id] = {
        ...this.describe(model, json),
        ...(buffers.length
          ? {
              buffers: buffers.map((b, i) => ({
                path: bufferPaths[i],
                data: Buffer.from(asBytes(b)).toString("base64"),
                encoding: "base64" as const,
              })),
            }
          : {}),
      };
    }
    return { version_major: 2, version_minor: 0, state };
  }

  private describe(model: WidgetModel, state: Record<string, unknown>) {
    return {
      model_name: String(model.get("_model_name")),
      model_module: String(model.get("_model_module")),
      model_module_version: String(model.get("_model_module_version")),
      state,
    };
  }

  private track(model: WidgetModel): WidgetModel {
    this.models.set(model.id, model);
    model.onClose(() => this.models.delete(model.id));
    return model;
  }
}

let active: WidgetManager | undefined;

/** Registers the widget comm targets on the kernel's comms; cells' widgets then use this manager. */
export function registerWidgetTargets(comms: CommManager): WidgetManager {
  active = new WidgetManager(comms);
  return active;
}

/** The kernel's widget manager; `what` names the caller in the error outside a kernel. */
export function widgetManager(what: string): WidgetManager {
  if (!active) throw new Error(`paralab: ${what} works only in the paralab kernel (no widget manager is running).`);
  return active;
}

/** The kernel's widget manager, if one runs (for saving state after a headless run). */
export function activeWidgetManager(): WidgetManager | undefined {
  return active;
}
