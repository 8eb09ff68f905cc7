/** `django.contrib.messages.constants`: the levels and their default tags. */
export const DEBUG = 10;
export const INFO = 20;
export const SUCCESS = 25;
export const WARNING = 30;
export const ERROR = 40;

/** `DEFAULT_TAGS`; a site's `MESSAGE_TAGS` setting is merged over them (`levelTags`). */
export const DEFAULT_MESSAGE_TAGS: Readonly<Record<number, string>> = Object.freeze({
  [DEBUG]: "debug",
  [INFO]: "info",
  [SUCCESS]: "success",
  [WARNING]: "warning",
  [ERROR]: "error",
});

/** `django.contrib.messages.storage.base.Message`, as stored: what both stacks show. */
export interface DjangoMessage {
  level: number;
  message: string;
  /** `extra_tags`: `""` when added without (Django's default), `null` only when Django stored none. */
  extraTags: string | null;
  /** Django's `is_safedata`: the text was `mark_safe`d, so templates render it unescaped. */
  safe: boolean;
}

/** `Message.tags`: the extra tags and the level's tag, space-separated (as templates use them). */
export function messageTags(message: DjangoMessage, levelTags: Readonly<Record<number, string>> = DEFAULT_MESSAGE_TAGS): string {
  return [message.extraTags, levelTags[message.level] ?? ""].filter((tag) => tag).join(" ");
}
