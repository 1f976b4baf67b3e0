/** Types of build.mjs (for the e2e test and benchmarks). */
export interface AssetSizes {
  files: { file: string; bytes: number; gzip: number }[];
  bytes: number;
  gzip: number;
  dir: string;
}
export function buildPage(options?: { quiet?: boolean }): Promise<AssetSizes>;
export function assetSizes(): AssetSizes;
