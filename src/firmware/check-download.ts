import { UpyflashError, isUpyflashError } from '../errors.js';
import { analyzeFirmware, firmwareChip } from '../image/firmware-file.js';
import { validateFirmware } from '../image/validate.js';
import type { FirmwareCheck } from './resolve.js';

/**
 * Downloaded bytes get the same scrutiny as a local file, plus one rule of the catalog: what we fetch
 * for `flash` must be a full image for the bootloader offset. Every refusal names the URL, because the
 * user never saw the file.
 */
export const checkDownloadedFirmware: FirmwareCheck = (bytes, { fileName, url, chip, flashBytes, version }) => {
  try {
    const fw = analyzeFirmware(bytes, fileName);
    if (fw.kind === 'app' || fw.kind === 'bootloader-only') {
      throw new UpyflashError('NOT_AN_IMAGE', `holds only ${fw.kind === 'app' ? 'an application (.app-bin)' : 'a bootloader'}, not a full firmware image`);
    }
    const { warnings } = validateFirmware(fw, { chip: chip ?? firmwareChip(fw), ...(flashBytes !== undefined ? { flashBytes } : {}) });
    // The banner inside the image is what the board will print; a file whose name disagrees was mislabelled.
    const inside = fw.micropython?.version.replace(/^v/, '');
    if (version && inside && inside !== version) {
      warnings.push(`${url}: the file name says v${version} but the image holds MicroPython v${inside}`);
    }
    return warnings;
  } catch (e) {
    if (!isUpyflashError(e)) throw e;
    throw new UpyflashError(e.kind, `${url}: ${e.message}`, { hint: e.hint, details: { ...e.details, url }, cause: e });
  }
};
