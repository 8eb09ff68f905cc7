export { DEBUG, INFO, SUCCESS, WARNING, ERROR, DEFAULT_MESSAGE_TAGS, messageTags, type DjangoMessage } from "./message";
export { MESSAGES_COOKIE_NAME, MESSAGES_MAX_COOKIE_SIZE, MESSAGES_NOT_FINISHED } from "./cookie-messages";
export {
  DjangoMessages,
  RequestMessages,
  MESSAGES_SESSION_KEY,
  type DjangoMessagesOptions,
  type DjangoMessagesRequest,
  type MessagesCommit,
  type MessagesSession,
  type MessageStorageKind,
} from "./messages";
