/** The parts of nbformat 4 that paralab reads and writes. */
export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error";
  name?: string;
  text?: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: NotebookOutput[];
  execution_count?: number | null;
  id?: string;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** Builds a cell's outputs from the iopub messages of its execution, as a frontend would. */
export class OutputCollector {
  readonly outputs: NotebookOutput[] = [];
  private clearPending = false;
  private readonly byDisplayId = new Map<string, NotebookOutput[]>();

  constructor(private readonly shared: Map<string, NotebookOutput[]>) {}

  add(msgType: string, content: Record<string, unknown>): void {
    const displayId = (content.transient as { display_id?: string } | undefined)?.display_id;
    if (msgType === "update_display_data") {
      for (const out of (displayId && this.shared.get(displayId)) || []) {
        out.data = content.data as Record<string, unknown>;
        out.metadata = (content.metadata as Record<string, unknown>) ?? {};
      }
      return;
    }
    if (msgType === "clear_output") {
      if (content.wait) this.clearPending = true;
      else this.outputs.length = 0;
      return;
    }
    const out = toOutput(msgType, content);
    if (!out) return;
    if (this.clearPending) {
      this.outputs.length = 0;
      this.clearPending = false;
    }
    const last = this.outputs[this.outputs.length - 1];
    if (out.output_type === "stream" && last?.output_type === "stream" && last.name === out.name) {
      last.text += out.text ?? "";
      return;
    }
    this.outputs.push(out);
    if (displayId) {
      const list = this.shared.get(displayId) ?? [];
      list.push(out);
      this.shared.set(displayId, list);
      this.byDisplayId.set(displayId, list);
    }
  }
}

function toOutput(msgType: string, c: Record<string, unknown>): NotebookOutput | undefined {
  switch (msgType) {
    case "stream":
      return { output_type: "stream", name: c.name as string, text: c.text as string };
    case "display_data":
      return {
        output_type: "display_data",
        data: c.data as Record<string, unknown>,
        metadata: (c.metadata as Record<string, unknown>) ?? {},
      };
    case "execute_result":
      return {
        output_type: "execute_result",
        data: c.data as Record<string, unknown>,
        metadata: (c.metadata as Record<string, unknown>) ?? {},
        execution_count: c.execution_count as number,
      };
    case "error":
      return {
        output_type: "error",
        ename: c.ename as string,
        evalue: c.evalue as string,
        traceback: c.traceback as string[],
      };
    default:
      return undefined;
  }
}
