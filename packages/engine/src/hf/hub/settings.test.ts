import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HubSettings, hubCacheDir, hubSettingsFromEnv } from "./settings.ts";

describe("hub settings", () => {
  it("defaults like huggingface_hub: the public Hub, ~/.cache/huggingface, online, no token", () => {
    const settings = hubSettingsFromEnv({}, "/home/ada");
    expect(settings).toEqual({ endpoint: "https://huggingface.co", hfHome: "/home/ada/.cache/huggingface", offline: false });
    expect(hubCacheDir(settings)).toBe("/home/ada/.cache/huggingface/hub");
  });

  it("reads HF_TOKEN, HF_ENDPOINT, HF_HOME, HF_HUB_CACHE and HF_HUB_OFFLINE", () => {
    const settings = hubSettingsFromEnv(
      {
        HF_TOKEN: "hf_abc",
        HF_ENDPOINT: "https://mirror.example/hub/",
        HF_HOME: "/data/hf",
        HF_HUB_CACHE: "/fast/hub",
        HF_HUB_OFFLINE: "1",
      },
      "/home/ada",
    );
    expect(settings).toEqual({
      endpoint: "https://mirror.example/hub",
      token: "hf_abc",
      hfHome: "/data/hf",
      hubCache: "/fast/hub",
      offline: true,
    });
    expect(hubCacheDir(settings)).toBe("/fast/hub");
  });

  it("falls back to XDG_CACHE_HOME and the legacy token variable; blank values count as unset", () => {
    const settings = hubSettingsFromEnv(
      { XDG_CACHE_HOME: "/xdg", HUGGING_FACE_HUB_TOKEN: "hf_old", HF_TOKEN: " ", HF_HUB_OFFLINE: "0" },
      "/home/ada",
    );
    expect(settings).toMatchObject({ hfHome: "/xdg/huggingface", token: "hf_old", offline: false });
  });

  it("refuses an endpoint that is not an http(s) URL, naming the variable", () => {
    expect(() => hubSettingsFromEnv({ HF_ENDPOINT: "ftp://example.com" }, "/h")).toThrow(/^HF_ENDPOINT:/);
    expect(() => hubSettingsFromEnv({ HF_ENDPOINT: "not a url" }, "/h")).toThrow(/^HF_ENDPOINT:/);
  });

  it("parses settings given directly by a caller", () => {
    expect(HubSettings.parse({ hfHome: "/x", endpoint: "http://127.0.0.1:8080/" }).endpoint).toBe("http://127.0.0.1:8080");
    expect(HubSettings.parse({}).hfHome).toBe(join(homedir(), ".cache", "huggingface"));
    expect(() => HubSettings.parse({ hfHome: "" })).toThrow();
  });
});
