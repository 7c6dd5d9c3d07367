/** Firmware images: what a file is, whether it fits the board, and how to adjust it before writing. */
export { sniffFile, FILE_KIND_NAMES, type FileKind } from './sniff.js';
export { parseEspImage, imageIntact, type EspImage, type ImageSegment, type ExtendedHeader } from './esp-image.js';
export { buildEspImage, type ImageSpec, type SegmentSpec } from './esp-image-writer.js';
export { parsePartitionTable, encodePartitionTable, partitionsEnd, PARTITION_TABLE_OFFSET, type Partition, type PartitionSpec } from './partition-table.js';
export { analyzeFirmware, firmwareChip, imageChipName, type FirmwareFile } from './firmware-file.js';
export { validateFirmware, type FlashPlanCheck } from './validate.js';
export { patchFlashParams, defaultFlashParams, type FlashParams } from './flash-params.js';
export { describeFirmware, formatImageInfo, type ImageInfo, type EspImageInfo, type SegmentInfo } from './describe.js';
export { buildSampleFirmware, type SampleFirmwareOptions } from './sample.js';
export { findMicroPythonBanner, type MicroPythonBanner } from './banner.js';
export { parseEsp8266Trailer, ESP8266_IROM_OFFSET, type Esp8266Trailer } from './esp8266-layout.js';
export type { AppDescription, BootloaderDescription } from './app-desc.js';
export { checkFirmwareParts, type FirmwareParts, type InputPart, type CheckedPart, type PartRole } from './firmware-parts.js';
export { mergeParts, splitMerged, mergedImageStart, type MergeOptions, type MergeResult } from './merge.js';
export { parseFlasherArgs, formatFlasherArgs, type FlasherArgs, type BuildFile } from './flasher-args.js';
