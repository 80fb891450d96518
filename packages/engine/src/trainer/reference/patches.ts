/** ViT patch extraction (im2col with stride = kernel = P) and its backward pass; see Kernels.patchify. */
import type { Vec } from "../kernels/types.ts";

/** Index in the image buffer of element c of pixel (py, px) of patch row r (the map both directions share). */
function pixelIndex(r: number, k: number, H: number, W: number, C: number, P: number): number {
  const gw = W / P;
  const perImage = (H / P) * gw;
  const i = Math.floor(r / perImage);
  const g = r % perImage;
  const [gy, gx] = [Math.floor(g / gw), g % gw];
  const py = Math.floor(k / (P * C));
  const px = Math.floor((k % (P * C)) / C);
  const c = k % C;
  return ((i * H + gy * P + py) * W + gx * P + px) * C + c;
}

function check(H: number, W: number, P: number): void {
  if (P <= 0 || H % P !== 0 || W % P !== 0) throw new Error("H and W must be multiples of the patch size P");
}

export function patchify(img: Vec, patches: Vec, nImg: number, H: number, W: number, C: number, P: number): void {
  check(H, W, P);
  const pd = P * P * C;
  const rows = (nImg * H * W) / (P * P);
  for (let r = 0; r < rows; r++) for (let k = 0; k < pd; k++) patches[r * pd + k] = img[pixelIndex(r, k, H, W, C, P)] as number;
}

export function unpatchify(dpatches: Vec, dimg: Vec, nImg: number, H: number, W: number, C: number, P: number): void {
  check(H, W, P);
  const pd = P * P * C;
  const rows = (nImg * H * W) / (P * P);
  for (let r = 0; r < rows; r++) for (let k = 0; k < pd; k++) dimg[pixelIndex(r, k, H, W, C, P)] = dpatches[r * pd + k] as number;
}
