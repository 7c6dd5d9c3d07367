/** Libraries onto the board, as mip does it, from the host: plan (download, check) then write. Browser-safe. */
export { DEFAULT_INDEX, parseIndex, parsePackageJson, type IndexPackage, type PackageIndex, type PackageJson } from './index-format.js';
export { parsePackageSpec, locationUrl, type PackageSpec } from './package-spec.js';
export { planInstall, searchIndex, type InstallPlan, type PlannedFile, type PlannedPackage, type PlanOptions } from './plan.js';
export { boardLibInfo, installOnBoard, installedLibraries, freeSpace, type BoardLibInfo, type InstallResult, type InstalledLibrary } from './board-side.js';
export { fetchSource, type MipSource, type Fetched } from './source.js';
