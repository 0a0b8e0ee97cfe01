/**
 * The few types this extension uses from @jupyterlab/notebook.
 *
 * The extension gets the real module from JupyterLab at run time (it is a shared
 * core singleton: @jupyterlab/builder marks core packages `import: false`, so it is
 * never bundled). The npm package itself is not installed for compiling because
 * its 4.6 dependency tree cannot be resolved from the registry here (see the
 * labextension README); these declarations match @jupyterlab/notebook 4.x.
 */
declare module "@jupyterlab/notebook" {
  import type { ISessionContext, IWidgetTracker } from "@jupyterlab/apputils";
  import type { Token } from "@lumino/coreutils";
  import type { Widget } from "@lumino/widgets";

  /** A notebook's main-area widget (only what paralab reads). */
  export interface NotebookPanel extends Widget {
    readonly sessionContext: ISessionContext;
    readonly context: { readonly path: string };
    readonly content: Notebook;
  }

  /** The notebook widget: its cells, and scrolling to one (the panel's "show its chart" link). */
  export interface Notebook extends Widget {
    readonly widgets: readonly {
      readonly model: {
        readonly type: string;
        readonly outputs?: { readonly length: number; get(index: number): { readonly data: Record<string, unknown> } };
      };
    }[];
    activeCellIndex: number;
    scrollToItem(index: number, behavior?: "auto" | "smart" | "center" | "start" | "end"): Promise<void>;
  }

  export type INotebookTracker = IWidgetTracker<NotebookPanel>;
  export const INotebookTracker: Token<INotebookTracker>;
}
