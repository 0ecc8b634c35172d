// Photos made smaller on the phone before they are sent (issue 19): a phone's photo of
// 4–12 MB becomes a JPEG of at most MAX_SIDE pixels a side (about 0.5–1.5 MB), drawn on a
// canvas, which also leaves its metadata (the place it was taken, the phone) behind. The
// server re-encodes and strips every photo anyway (risks/attachments.py); this only spares
// the worker's data plan and keeps several photos under the upload ceiling.
//
//   import { downscalePhoto } from "…/js/photo_downscale.js";
//   const smaller = await downscalePhoto(file);          // a File (image/jpeg), or `file`
//
// Anything that is not a photo the browser can decode (a PDF, a HEIC photo on a browser
// that cannot read it) comes back unchanged: the server then says what it accepts.
// No CDN, no library: createImageBitmap and a canvas (OffscreenCanvas where there is one).

export const MAX_SIDE = 2560;
export const QUALITY = 0.85;
const JPEG = "image/jpeg";

function jpegName(name) {
  const stem = (name || "photo").replace(/\.[^./\\]*$/, "") || "photo";
  return `${stem}.jpg`;
}

// The photo upright (its EXIF orientation applied), as something a canvas can draw.
async function decode(file) {
  if (typeof createImageBitmap === "function") {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (error) {
      // an older browser that knows no options, or a picture it cannot read: try <img>
    }
  }
  if (typeof document === "undefined") return null;
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.decoding = "async";
    image.src = url;
    await image.decode(); // browsers apply the EXIF orientation to <img> by default
    return image;
  } catch (error) {
    return null;
  } finally {
    URL.revokeObjectURL(url);
  }
}

function canvasOf(width, height) {
  if (typeof OffscreenCanvas === "function") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function jpegBlob(canvas, quality) {
  if (typeof canvas.convertToBlob === "function") {
    return canvas.convertToBlob({ type: JPEG, quality });
  }
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("toBlob failed"))),
                  JPEG, quality);
  });
}

/**
 * The photo as a JPEG of at most `maxSide` pixels a side (never enlarged), at `quality`
 * (0–1), without its metadata; `file` itself when it is not a photo this browser can draw.
 * @param {File|Blob} file
 * @param {{maxSide?: number, quality?: number}} [options]
 * @returns {Promise<File|Blob>}
 */
export async function downscalePhoto(file, { maxSide = MAX_SIDE, quality = QUALITY } = {}) {
  if (!file || !(file.type || "").startsWith("image/")) return file;
  const picture = await decode(file);
  if (!picture) return file;
  const width = picture.width || picture.naturalWidth;
  const height = picture.height || picture.naturalHeight;
  if (!width || !height) return file;
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const target = [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
  try {
    const canvas = canvasOf(...target);
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff"; // a transparent PNG laid on white, as the server does
    context.fillRect(0, 0, ...target);
    context.imageSmoothingQuality = "high";
    context.drawImage(picture, 0, 0, ...target);
    const blob = await jpegBlob(canvas, quality);
    if (typeof File !== "function") return blob;
    return new File([blob], jpegName(file.name), {
      type: JPEG, lastModified: file.lastModified || Date.now(),
    });
  } catch (error) {
    return file; // a canvas too large for this phone's memory: send it as it is
  } finally {
    if (typeof picture.close === "function") picture.close();
  }
}

/**
 * Every file of a list made smaller in turn (one at a time: a phone has little memory).
 * @param {Iterable<File>} files
 * @param {{maxSide?: number, quality?: number}} [options]
 * @returns {Promise<Array<File|Blob>>}
 */
export async function downscalePhotos(files, options) {
  const smaller = [];
  for (const file of files) smaller.push(await downscalePhoto(file, options));
  return smaller;
}

/**
 * For a plain form: when photos are chosen in `input` (<input type=file multiple>), put
 * their smaller copies in its place, so that the form posts those. Where the browser
 * cannot set an input's files (no DataTransfer), the input keeps the originals.
 * @param {HTMLInputElement} input
 */
export function downscaleOnChange(input) {
  input.addEventListener("change", async () => {
    if (typeof DataTransfer !== "function" || !input.files || !input.files.length) return;
    const form = input.form;
    const buttons = form ? form.querySelectorAll("[type=submit]") : [];
    buttons.forEach((button) => { button.disabled = true; });
    try {
      const transfer = new DataTransfer();
      for (const file of await downscalePhotos(Array.from(input.files))) {
        transfer.items.add(file instanceof File ? file : new File([file], "photo.jpg",
                                                                  { type: JPEG }));
      }
      input.files = transfer.files;
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  });
}
