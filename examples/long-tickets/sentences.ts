/**
 * Sentence pools of the long-tickets example. Each team has its own problem and "what I tried"
 * sentences; the neutral pools (background, usage, closing) say nothing about the team; the
 * distractor pool mentions the other team's words in passing (an old, solved matter).
 * Slots ({product}, {plan}, ...) come from the ticket-routing example's fillers.
 */
import type { Team } from "./labels.ts";

export const PROBLEM: Readonly<Record<Team, readonly string[]>> = {
  billing: [
    "This month we were charged {amount} twice for the {plan} plan of {product}.",
    "The invoice for {product} lists {count} seats although we only pay for fewer.",
    "Our card was declined when the {plan} subscription renewed {date}, and now the invoice shows a late fee.",
    "I was billed {amount} for {product} after I had already cancelled the trial.",
    "The receipt for order {order} shows the wrong VAT number and the wrong company address.",
    "We moved from the monthly to the annual plan {date}, but the prorated credit never appeared on the invoice.",
    "The price on the invoice is {amount} higher than the quote your sales team sent us.",
    "Our finance team cannot download the invoices for {product}; the billing page only lists the last one.",
  ],
  technical: [
    "Since {date} {product} shows {error} every time I open it on my {device}.",
    "{product} crashes on startup on the {device} and the log only says {error}.",
    "Sync between my {device} and the web version of {product} stopped {date} with {error}.",
    "Uploading any file larger than a few megabytes to {product} ends in {error}.",
    "After the latest update {product} freezes for a minute and then shows {error}.",
    "The {product} app on my {device} logs me out every few minutes and then fails with {error}.",
    "Search in {product} returns no results at all since {date}, even for items I can see.",
    "Notifications from {product} stopped arriving on the {device} {date}, and the settings page shows {error}.",
  ],
};

export const TRIED: Readonly<Record<Team, readonly string[]>> = {
  billing: [
    "I checked the payment method on file and it is the right card.",
    "Our accountant compared the charges with the bank statement and the duplicate is there.",
    "I looked at the billing history page, but the refund for the extra charge is not listed.",
    "I asked our bank, and they say the charge came from your side.",
    "I tried to update the billing address, but the invoice still shows the old one.",
  ],
  technical: [
    "I already reinstalled the app and restarted the {device}.",
    "Clearing the cache and logging in again did not help.",
    "I tried a different network and the problem is the same.",
    "A colleague with the same {device} sees the same behaviour.",
    "I attached the diagnostics file that the app created.",
  ],
};

export const DISTRACTOR: Readonly<Record<Team, readonly string[]>> = {
  billing: [
    "Last year you helped us with an invoice question, and that was sorted out quickly.",
    "The payment itself went through without trouble, as always.",
  ],
  technical: [
    "A while ago the app crashed once after an update, but that was fixed long ago.",
    "The app itself works fine on every {device} we use.",
  ],
};

export const BACKGROUND: readonly string[] = [
  "We are a small team of {count} people and have used {product} for about two years.",
  "Our company signed up for the {plan} plan of {product} when we opened our second office.",
  "I manage the tools for our design studio, and {product} is one of the ones we rely on most.",
  "We run a family business and {product} has been part of our daily routine since we started.",
  "I am writing on behalf of our office manager, who is away this week.",
  "We switched to {product} from a competitor last spring and have been happy with it so far.",
];

export const USAGE: readonly string[] = [
  "Most of us use it every morning to plan the day and share notes with customers.",
  "We also recommended {product} to two partner companies, and they signed up as well.",
  "In general the product does what we need, and the onboarding was pleasant.",
  "Our team works from {count} different cities, so we depend on it to stay in touch.",
  "We have a busy season coming up, so we would like to have everything in order before then.",
  "The documentation was helpful when we set things up at the start.",
  "I read the help center articles, but none of them seemed to match our situation exactly.",
];

export const CLOSING: readonly string[] = [
  "Please let me know if you need any more details from our side.",
  "Thank you in advance for looking into this.",
  "I can be reached at this address during office hours.",
  "Looking forward to your answer.",
  "Thanks for your help, and have a good week.",
];

export const GREETING: readonly string[] = ["Hello,", "Hi support team,", "Dear support,", "Good morning,", "Hi there,"];
