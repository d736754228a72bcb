/** The operator page's static files, served from the app's own origin (no CDN: the page works offline). */
export const DASHBOARD_ASSETS_PATH = '/dashboard/assets';
export const DASHBOARD_ASSETS = {
  /** Chart.js's UMD build, from its npm package. */
  'chart.umd.min.js': 'text/javascript; charset=utf-8',
  /** The page's own script (src/dashboard/client/): hands the embedded chart configurations to Chart.js. */
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;
export type DashboardAssetName = keyof typeof DASHBOARD_ASSETS;

/** Serves one of the page's files; each entry knows where it keeps them (files under Node, static assets on Workers). */
export type DashboardAssets = (request: Request, name: DashboardAssetName) => Promise<Response>;

export const assetUrl = (name: DashboardAssetName) => `${DASHBOARD_ASSETS_PATH}/${name}`;
