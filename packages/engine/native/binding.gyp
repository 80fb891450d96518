{
  "targets": [
    {
      "target_name": "tunelab_kernels",
      "sources": [
        "src/addon.cc",
        "src/threadpool.cc",
        "src/gemm.cc",
        "src/layers.cc",
        "src/attention.cc",
        "src/loss.cc",
        "src/optim.cc",
        "src/rmsnorm.cc",
        "src/rope.cc",
        "src/swiglu.cc",
        "src/convert.cc",
        "src/rows.cc",
        "src/patches.cc",
        "src/gguf_quants.cc",
        "src/q8_blocks.cc",
        "src/q4_blocks.cc"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++1y"],
      "cflags": ["-O3", "-fopenmp-simd", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=fast"],
      "cflags_cc": ["-std=c++17", "-O3", "-fopenmp-simd", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=fast"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-std=c++17", "-fno-math-errno", "-fno-trapping-math"],
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES"
      },
      "conditions": [
        ["OS=='linux'", { "libraries": ["-lpthread"] }]
      ]
    }
  ]
}
