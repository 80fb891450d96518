// Chat templates of real models for tests (the fixtures carry ChatML).

/**
 * The chat template Mistral 7B Instruct v0.1 and v0.2 shipped with (before their system-message update): roles must
 * alternate from a user message, and any other role is refused.
 */
export const MISTRAL_V1_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
  "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
  "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}" +
  "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

/**
 * The Phi-3 / Phi-3.5-mini chat format: `<|system|>`, `<|user|>` and `<|assistant|>` turns, each ended by `<|end|>` and
 * a newline, the generation prompt `<|assistant|>\n`, and `eos_token` after the last turn when there is no generation
 * prompt (so a conversation rendered whole ends differently from the same one continued).
 */
export const PHI3_TEMPLATE =
  "{% for message in messages %}{% if message['role'] == 'system' and message['content'] %}" +
  "{{ '<|system|>\\n' + message['content'] + '<|end|>\\n' }}{% elif message['role'] == 'user' %}" +
  "{{ '<|user|>\\n' + message['content'] + '<|end|>\\n' }}{% elif message['role'] == 'assistant' %}" +
  "{{ '<|assistant|>\\n' + message['content'] + '<|end|>\\n' }}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}";
