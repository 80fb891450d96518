// Image patches (ViT's patch extraction, an im2col with stride = kernel = P) and its backward pass.
#include <algorithm>
#include <cstring>

#include "kernels.h"
#include "ranges.h"

namespace tl {

namespace {
// Copies one P×C run between an image row and a patch row, in the direction `to_patch`.
template <bool TO_PATCH>
void patch_rows(float* img, float* patches, long n_img, int H, int W, int C, int P) {
  const int gh = H / P, gw = W / P, pd = P * P * C;
  const long n = n_img * gh * gw;  // one task range = a set of patches; each patch is owned by one task
  for_ranges(n, std::max(1L, 8192L / std::max(1, pd)), [&](long a, long b) {
    for (long r = a; r < b; r++) {
      const long i = r / (gh * gw);
      const int g = static_cast<int>(r % (gh * gw)), gy = g / gw, gx = g % gw;
      float* row = patches + r * pd;
      for (int py = 0; py < P; py++) {
        float* pix = img + ((i * H + gy * P + py) * W + gx * P) * C;
        float* dst = row + py * P * C;
        if constexpr (TO_PATCH)
          std::memcpy(dst, pix, sizeof(float) * P * C);
        else
          std::memcpy(pix, dst, sizeof(float) * P * C);
      }
    }
  });
}
}  // namespace

void patchify(const float* img, float* patches, long n_img, int H, int W, int C, int P) {
  patch_rows<true>(const_cast<float*>(img), patches, n_img, H, W, C, P);
}

void unpatchify(const float* dpatches, float* dimg, long n_img, int H, int W, int C, int P) {
  patch_rows<false>(dimg, const_cast<float*>(dpatches), n_img, H, W, C, P);
}

}  // namespace tl
