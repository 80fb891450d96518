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
