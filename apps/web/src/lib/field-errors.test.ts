// How the forms place an API refusal: the shapes the API writes (request validation's `details: [{path, message}]`,
// core's `FIELD: message` and `details.field`), each put under the field it names, the rest above the buttons.
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client.ts";
import { fieldErrors } from "./field-errors.ts";

const FIELDS = ["dataset", "seed", "hyperparameters.n_epochs", "hyperparameters.lora_target_modules"];

describe("fieldErrors", () => {
  it("puts each request-validation issue under its field, the longest field a path lies in", () => {
    const error = new ApiError(400, "invalid_argument", "hyperparameters.n_epochs: Too small", [
      { path: "hyperparameters.n_epochs", message: "Too small: expected number to be >=1" },
      { path: "hyperparameters.lora_target_modules.1", message: "Invalid option" },
      { path: ["seed"], message: "Too small" },
      { path: "hyperparameters.mystery", message: "Unrecognized key" },
    ]);
    expect(fieldErrors(error, FIELDS)).toEqual({
      fields: {
        "hyperparameters.n_epochs": "Too small: expected number to be >=1",
        "hyperparameters.lora_target_modules": "Invalid option",
        seed: "Too small",
      },
      general: ["hyperparameters.mystery: Unrecognized key"],
    });
  });

  it("reads core's `FIELD: message`, then `details.field`, then the hints; anything else is general", () => {
    const prefixed = new ApiError(400, "invalid_argument", "hyperparameters.n_epochs: n_epochs applies to method dpo only");
    expect(fieldErrors(prefixed, FIELDS).fields).toEqual({ "hyperparameters.n_epochs": "n_epochs applies to method dpo only" });
    const named = new ApiError(400, "invalid_argument", "dataset train@1 is supervised data", { field: "dataset" });
    expect(fieldErrors(named, FIELDS).fields).toEqual({ dataset: "dataset train@1 is supervised data" });
    const hinted = new ApiError(404, "not_found", "no version train@9 (latest is train@2)");
    expect(fieldErrors(hinted, FIELDS, [[/^no version /, "dataset"]]).fields).toEqual({
      dataset: "no version train@9 (latest is train@2)",
    });
    const other = new ApiError(400, "invalid_argument", "the project has no graders yet");
    expect(fieldErrors(other, FIELDS)).toEqual({ fields: {}, general: ["the project has no graders yet"] });
    // a prefix that is no field of the form stays whole
    expect(fieldErrors(new ApiError(400, "x", "body: bad"), FIELDS).general).toEqual(["body: bad"]);
  });

  it("keeps a network failure or any other error as one general message", () => {
    expect(fieldErrors(new Error("offline"), FIELDS)).toEqual({ fields: {}, general: ["offline"] });
    expect(fieldErrors(new ApiError(0, "network", "The API did not answer"), FIELDS).general).toEqual(["The API did not answer"]);
  });
});
