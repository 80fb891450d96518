/**
 * What the local engine checks of a supervised job's images while it validates the job's files (status
 * `validating_files`), so that no image problem waits until training has started:
 * - every image decodes, exactly as training will decode it (a PNG can pass OpenAI's file rules, which read its
 *   signature and header, and still be truncated);
 * - a validation file with images needs a training file with images: only those give the model its image front end;
 * - a tuned model trained on text only has no image front end, so it cannot be continued with images.
 * Each refusal names the file, the line and the field, and the job fails before it is queued.
 */
import type { ChatExample } from "../trainer/types.ts";
import { ImageInputError } from "../trainer/vision/decode.ts";
import { decodeExamples } from "../trainer/vision/decode-examples.ts";
import { hasImages } from "../trainer/vision/parts.ts";
import type { JobError } from "./job.schema.ts";

export interface JobImages {
  training: ChatExample[];
  trainingName: string;
  validation?: ChatExample[] | undefined;
  validationName?: string | undefined;
  /** The job continues a tuned `local-*` model: whether that model reads images. Undefined for a base model. */
  continuedReadsImages?: boolean | undefined;
  /** An open-weight base (LoRA or full fine-tuning of a Hugging Face checkpoint): text only here. */
  openWeight: boolean;
  model: string;
}

const firstLineWithImages = (examples: readonly ChatExample[]) => examples.findIndex((e) => hasImages(e.messages)) + 1;

export async function checkJobImages(job: JobImages): Promise<JobError | undefined> {
  const trainingLine = firstLineWithImages(job.training);
  const validationLine = job.validation ? firstLineWithImages(job.validation) : 0;
  if (trainingLine === 0 && validationLine === 0) return undefined;
  if (trainingLine === 0) {
    return {
      code: "unsupported_image",
      message:
        `${job.validationName} line ${validationLine} has an image, but the training file ${job.trainingName} has none: a model ` +
        "trained on text alone has no image front end to validate. Add images to the training file, or leave them out of the validation file.",
      param: "validation_file",
    };
  }
  if (job.openWeight) {
    return {
      code: "unsupported_image",
      message:
        `${job.trainingName} line ${trainingLine} has an image, but ${job.model} is an open-weight model, which the local engine ` +
        "fine-tunes on text only (open-weight vision models are not supported); images train the local-* models.",
      param: "training_file",
    };
  }
  if (job.continuedReadsImages === false) {
    return {
      code: "unsupported_image",
      message:
        `${job.trainingName} line ${trainingLine} has an image, but ${job.model} was trained on text only, so it has no image front end ` +
        "to continue. Fine-tune its base model on the images instead.",
      param: "training_file",
    };
  }
  for (const [file, examples, name, param] of [
    ["training", job.training, job.trainingName, "training_file"],
    ["validation", job.validation ?? [], job.validationName, "validation_file"],
  ] as const) {
    try {
      await decodeExamples(examples, file);
    } catch (error) {
      if (!(error instanceof ImageInputError)) throw error;
      return { code: "invalid_training_file", message: `${name}: ${error.message} (${error.code})`, param };
    }
  }
  return undefined;
}
