/**
 * The weights' type in a written config.json. transformers before 4.56 reads `torch_dtype`; 4.56 renamed it `dtype`
 * (and writes only that), still reading `torch_dtype` for older files. A config that already has `dtype` gets both,
 * with the same value, so no reader sees the base's type beside the export's.
 */
export type ConfigDtype = "float32" | "bfloat16" | "float16";

export function setConfigDtype(config: Record<string, unknown>, dtype: ConfigDtype): void {
  config.torch_dtype = dtype;
  if ("dtype" in config) config.dtype = dtype;
}
