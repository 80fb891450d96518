// tunelab.config.json's provider kinds: a kind's required fields are checked on load with the file and field named;
// prices come from the config first, then the dated defaults of the kind (OpenAI's only for OpenAI itself); Azure's
// deployments map model ids to the deployments that serve them.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deploymentFor } from "./azure-client.ts";
import { billionsInName } from "./pricing.ts";
import { findPrice, loadConfig, type TunelabConfig } from "./provider-config.ts";

const dir = mkdtempSync(join(tmpdir(), "tunelab-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (value: unknown) => {
  writeFileSync(join(dir, "tunelab.config.json"), JSON.stringify(value));
  return () => loadConfig(dir);
};

describe("loadConfig", () => {
  it("defaults the kind to openai and reads the other kinds", () => {
    const config = write({
      providers: {
        nebius: { baseURL: "https://api.studio.nebius.com/v1" },
        fw: { kind: "fireworks", baseURL: "https://api.fireworks.ai/inference/v1", account: "acme", apiKeyEnv: "FIREWORKS_API_KEY" },
      },
    })();
    expect(config.providers.nebius?.kind).toBe("openai");
    expect(config.providers.fw?.account).toBe("acme");
  });

  it("names the file and the field when a kind lacks what it needs, or a kind is unknown", () => {
    expect(write({ providers: { fw: { kind: "fireworks", baseURL: "https://api.fireworks.ai/inference/v1" } } })).toThrow(
      /tunelab\.config\.json: providers\.fw\.account: kind fireworks needs account/,
    );
    expect(write({ providers: { x: { kind: "vertex", baseURL: "https://example.com/v1" } } })).toThrow(/providers\.x\.kind/);
  });
});

describe("findPrice", () => {
  const config: TunelabConfig = {
    providers: {
      nebius: { kind: "openai", baseURL: "https://api.studio.nebius.com/v1" },
      together: { kind: "together", baseURL: "https://api.together.xyz/v1" },
      mine: { kind: "together", baseURL: "https://api.together.xyz/v1", pricing: { "*": { input: 1, output: 1, training: 9 } } },
    },
  };
  it("takes the config's price first, then the kind's dated default", () => {
    expect(findPrice(config, "mine", "meta-llama/Llama-3.2-1B-Instruct")?.price.training).toBe(9);
    expect(findPrice(config, "together", "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference")?.price.training).toBe(0.48);
    expect(findPrice(config, "together", "meta-llama/Llama-3.3-70B-Instruct-Reference")?.price.training).toBe(2.9);
    expect(findPrice(config, "openai", "ft:gpt-4o-mini-2024-07-18:org::abc")?.price.training).toBe(3);
  });
  it("gives no OpenAI prices to other hosts of OpenAI's API, nor to the local engine", () => {
    expect(findPrice(config, "nebius", "gpt-4o-mini")).toBeUndefined();
    expect(findPrice(config, "local", "gpt-4o-mini")).toBeUndefined();
  });
  it("reads the parameter count from a model's name", () => {
    expect(billionsInName("Qwen2.5-0.5B-Instruct")).toBe(0.5);
    expect(billionsInName("meta-llama/Llama-3.2-1B-Instruct")).toBe(1);
    expect(billionsInName("llama-v3p1-8b-instruct")).toBe(8);
    expect(billionsInName("gpt-4o-mini")).toBeUndefined();
  });
});

describe("deploymentFor", () => {
  it("maps exact model ids, else the longest matching prefix*", () => {
    const deployments = {
      "gpt-4o-mini-2024-07-18": "mini",
      "gpt-4o-mini-2024-07-18.ft-*": "tuned",
      "gpt-4o-mini-2024-07-18.ft-abc*": "abc",
    };
    expect(deploymentFor(deployments, "gpt-4o-mini-2024-07-18")).toBe("mini");
    expect(deploymentFor(deployments, "gpt-4o-mini-2024-07-18.ft-xyz")).toBe("tuned");
    expect(deploymentFor(deployments, "gpt-4o-mini-2024-07-18.ft-abc1")).toBe("abc");
    expect(deploymentFor(deployments, "gpt-4.1")).toBeUndefined();
  });
});
