/**
 * paralab's JupyterLab extension: wires the Parallel panel, the status bar item,
 * the palette commands, settings and theme tracking together. The chart renderer
 * is the mime extension in mime.ts (package.json `jupyterlab.mimeExtension`).
 */
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette, IThemeManager, Notification } from "@jupyterlab/apputils";
import { INotebookTracker, type NotebookPanel } from "@jupyterlab/notebook";
import { ISettingRegistry } from "@jupyterlab/settingregistry";
import { IStatusBar } from "@jupyterlab/statusbar";
import { LabIcon } from "@jupyterlab/ui-components";
import { MonitorClient, type MonitorOptions } from "./monitor";
import { PANEL_ID, ParallelPanel } from "./panel";
import { StatusItem } from "./status";
import { notifyThemeChanged } from "./theme";

/** Command ids (palette category "paralab"); a namespace, as in jupyterlab/jupyterlab's extensions. */
// eslint-disable-next-line @typescript-eslint/no-namespace
export namespace CommandIDs {
  export const showPanel = "paralab:show-panel";
  export const restartWorkers = "paralab:restart-workers";
}

export const PLUGIN_ID = "paralab-labextension:plugin";
export const THEME_PLUGIN_ID = "paralab-labextension:theme";
const PALETTE_CATEGORY = "paralab";
const DEFAULT_OPTIONS: MonitorOptions = { periodMs: 1000, historySeconds: 60 };

export const parallelIcon = new LabIcon({
  name: "paralab:parallel",
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<rect x="2.5" y="12" width="4" height="9" rx="0.5"/><rect x="8" y="5" width="4" height="16" rx="0.5"/>' +
    '<rect x="13.5" y="9" width="4" height="12" rx="0.5"/><rect x="19" y="3" width="2.5" height="18" rx="0.5"/>' +
    "</g></svg>",
});

function readOptions(settings: ISettingRegistry.ISettings | null): MonitorOptions {
  if (!settings) return DEFAULT_OPTIONS;
  const periodMs = Number(settings.composite.samplingPeriodMs);
  const historySeconds = Number(settings.composite.historySeconds);
  return {
    periodMs: Number.isFinite(periodMs) && periodMs >= 100 ? periodMs : DEFAULT_OPTIONS.periodMs,
    historySeconds:
      Number.isFinite(historySeconds) && historySeconds >= 10 ? historySeconds : DEFAULT_OPTIONS.historySeconds,
  };
}

/** The Parallel panel, status bar item and commands, following the active notebook. */
const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: "Parallel panel, status bar item and commands for the paralab kernel.",
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry, ICommandPalette, IStatusBar, ILayoutRestorer],
  activate: async (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    statusBar: IStatusBar | null,
    restorer: ILayoutRestorer | null,
  ) => {
    const monitor = new MonitorClient(DEFAULT_OPTIONS);
    const { commands, shell } = app;

    const restartWorkers = (): void => {
      if (monitor.restartWorkers()) {
        Notification.info("paralab: restarting the workers (their state is lost)…", { autoClose: 3000 });
      } else {
        Notification.warning("paralab: no paralab kernel is connected; nothing to restart.", { autoClose: 5000 });
      }
    };
    monitor.restarted.connect((_, workers) =>
      Notification.success(`paralab: restarted ${workers} worker${workers === 1 ? "" : "s"}.`, { autoClose: 4000 }),
    );

    monitor.kernelError.connect((_, message) => Notification.error(`paralab: ${message}`, { autoClose: 8000 }));

    const panel = new ParallelPanel(monitor, {
      restartWorkers,
      showRunningChart: () => (tracker.currentWidget ? showLiveChart(tracker.currentWidget) : false),
    });
    panel.title.icon = parallelIcon;
    shell.add(panel, "right", { rank: 900 });
    restorer?.add(panel, PANEL_ID);

    commands.addCommand(CommandIDs.showPanel, {
      label: "Show Parallel panel",
      caption: "Show the paralab Parallel panel: cores, workers and progress",
      icon: parallelIcon,
      execute: () => shell.activateById(PANEL_ID),
    });
    commands.addCommand(CommandIDs.restartWorkers, {
      label: "Restart workers",
      caption: "Terminate and replace the paralab kernel's workers (their state is lost)",
      isEnabled: () => monitor.isConnected,
      execute: restartWorkers,
    });
    monitor.stateChanged.connect(() => commands.notifyCommandChanged(CommandIDs.restartWorkers));
    if (palette) {
      palette.addItem({ command: CommandIDs.showPanel, category: PALETTE_CATEGORY });
      palette.addItem({ command: CommandIDs.restartWorkers, category: PALETTE_CATEGORY });
    }

    if (statusBar) {
      const item = new StatusItem(monitor, () => void commands.execute(CommandIDs.showPanel));
      statusBar.registerStatusItem(PLUGIN_ID, {
        item,
        align: "left",
        rank: 4,
        isActive: () => item.isActive,
        activeStateChanged: item.activeStateChanged,
      });
    }

    const follow = (current: NotebookPanel | null): void =>
      monitor.setSession(current?.sessionContext ?? null, current?.context.path ?? "");
    tracker.currentChanged.connect((_, current) => follow(current));

    if (settingRegistry) {
      try {
        const settings = await settingRegistry.load(PLUGIN_ID);
        monitor.configure(readOptions(settings));
        settings.changed.connect(() => monitor.configure(readOptions(settings)));
      } catch (err) {
        console.warn(`paralab: could not load the settings of ${PLUGIN_ID}; using defaults`, err);
      }
    }
    follow(tracker.currentWidget);
  },
};

/** Redraws charts when the JupyterLab theme changes. */
const themePlugin: JupyterFrontEndPlugin<void> = {
  id: THEME_PLUGIN_ID,
  description: "Redraws paralab charts in the colours of the current JupyterLab theme.",
  autoStart: true,
  optional: [IThemeManager],
  activate: (_: JupyterFrontEnd, themeManager: IThemeManager | null) => {
    // themeChanged fires once the theme's CSS is in; read the variables on the next frame.
    themeManager?.themeChanged.connect(() => requestAnimationFrame(() => notifyThemeChanged()));
  },
};

export default [panelPlugin, themePlugin];

/** The chart MIME types that can be live (a run's and a compute's). */
const LIVE_MIMES = ["application/vnd.paralab.run.v1+json", "application/vnd.paralab.graph.v1+json"];

/**
 * Scrolls `notebook` to its last live chart (a run still going) and makes its cell active. Reads
 * the cells' output models, not the page: cells scrolled out of view are not in the DOM.
 */
function showLiveChart(notebook: NotebookPanel): boolean {
  const cells = notebook.content.widgets;
  for (let i = cells.length - 1; i >= 0; i--) {
    const outputs = cells[i].model.outputs;
    for (let j = 0; j < (outputs?.length ?? 0); j++) {
      const data = outputs!.get(j).data;
      const live = LIVE_MIMES.some(
        (m) => (data[m] as { live?: { state?: string } } | undefined)?.live?.state === "running",
      );
      if (!live) continue;
      notebook.content.activeCellIndex = i;
      void notebook.content.scrollToItem(i, "center");
      return true;
    }
  }
  return false;
}
