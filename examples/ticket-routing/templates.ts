/**
 * Ticket body templates per category. Each category has its own clear lexical
 * cues (charged/invoice, crash/error, password/login, package/delivery,
 * refund/money back, "please add"/"would be great") while sharing some
 * distractor words (account, order, app, plan) with the others.
 */
import type { Category } from "./labels.ts";

export interface CategoryTemplates {
  /** Main sentence stating the problem. */
  bodies: readonly string[];
  /** Optional second sentence adding detail. */
  details: readonly string[];
}

export const TEMPLATES: Readonly<Record<Category, CategoryTemplates>> = {
  billing: {
    bodies: [
      "I was charged twice for my {plan} subscription {date}.",
      "My invoice for {product} shows {amount} but my plan should cost less.",
      "The credit card on my account was billed {amount} and I don't know what for.",
      "Can you update the payment method used for my {product} billing?",
      "I got an invoice for the {plan} plan but I'm on a different plan.",
      "Why did my monthly charge go up to {amount}?",
      "Please send me a VAT invoice for the {amount} payment from {date}.",
      "Your billing page says my payment failed but the bank shows the charge.",
      "we were billed for {count} seats but only use two",
    ],
    details: [
      "The charge appears on my card statement.",
      "I checked the billing history in my account.",
      "The invoice number is on the receipt you emailed.",
      "My accountant needs the corrected invoice.",
    ],
  },
  technical: {
    bodies: [
      "{product} crashes every time I open it on my {device}.",
      "I keep getting {error} when I try to save in {product}.",
      "{product} is really slow since the last update.",
      "Sync between my {device} and {product} stopped working {date}.",
      "After updating {product} it shows {error} on startup.",
      "The export button in {product} does nothing, looks like a bug.",
      "Notifications from {product} don't arrive on my {device} anymore.",
      "{product} freezes when uploading files bigger than 10 MB.",
      "the app crashed and now shows {error} every time",
    ],
    details: [
      "I already tried reinstalling it.",
      "Restarting the {device} didn't help.",
      "The error log mentions a null pointer.",
      "It worked fine with the previous version.",
    ],
  },
  account: {
    bodies: [
      "I can't log in to my {product} account, it says my password is wrong.",
      "How do I change the email address on my account?",
      "I lost my phone and can't get past two-factor authentication.",
      "The password reset link never arrives in my inbox.",
      "Please delete my account and all my personal data.",
      "My account got locked after too many login attempts.",
      "I need to add a second admin to our {plan} team account.",
      "Someone else may have logged in to my account {date}.",
      "i want to change my username, how do i do that",
    ],
    details: [
      "I am using the same email as always.",
      "I tried the forgot password page twice.",
      "My username is {name}.",
      "I can still log in on my {device}.",
    ],
  },
  shipping: {
    bodies: [
      "My order {order} still hasn't been delivered.",
      "The tracking number for order {order} doesn't work on the {carrier} site.",
      "The package with my {item} was delivered to the wrong address.",
      "When will my {item} ship? I ordered it {date}.",
      "{carrier} says the package was delivered but I never got it.",
      "Can I change the shipping address for order {order}?",
      "My {item} arrived but the box was crushed in transit.",
      "Do you ship to Canada? I want to order a {item}.",
      "order {order} has been stuck in transit for a week",
    ],
    details: [
      "The delivery estimate was {date}.",
      "Tracking hasn't updated in days.",
      "I was home all day and no courier came.",
      "It was sent as a gift.",
    ],
  },
  refund: {
    bodies: [
      "I want a refund for my {plan} subscription.",
      "Please refund the {amount} for the {item}, it doesn't work.",
      "I cancelled {date} and would like my money back.",
      "How long does a refund take to reach my card?",
      "I returned the {item} from order {order}, when do I get my refund?",
      "I'd like a full refund, {product} is not what I expected.",
      "Can I get my money back for the unused months?",
      "You promised a refund for {amount} but I haven't received it.",
      "requesting a refund for order {order} please",
    ],
    details: [
      "I never used it after the first day.",
      "The return was accepted {date}.",
      "I'd prefer the money back on the original card.",
      "I sent the item back with {carrier}.",
    ],
  },
  feature_request: {
    bodies: [
      "It would be great if {product} had {feature}.",
      "Please add {feature} to {product}.",
      "Could you consider adding {feature}?",
      "Feature request: {feature} in {product}.",
      "Any plans to support {feature}? Our team would use it daily.",
      "I'd love to see {feature} in a future release.",
      "Suggestion: let us choose {feature} in the settings.",
      "would be nice to have {feature} on the {device} too",
    ],
    details: [
      "Other tools we use already have it.",
      "Our whole team has been asking for this.",
      "It would save us a lot of time.",
      "Happy to beta test it.",
    ],
  },
};

/** Category-neutral sentences that add length and distractor words. */
export const NEUTRAL_DETAILS: readonly string[] = [
  "I've been a customer since 2019.",
  "My colleague {name} had something similar {date}.",
  "I'm on the {plan} plan if that matters.",
  "I'm writing from my {device}.",
  "This is about {product}.",
];

export const GREETINGS: readonly string[] = ["Hi,", "Hello,", "Hey team,", "Good morning,", "Hi support,", "Dear support team,"];

export const SIGN_OFFS: readonly string[] = ["Thanks.", "Thank you!", "Thanks, {name}", "Regards, {name}", "Cheers"];
