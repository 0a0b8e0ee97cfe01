/**
 * Jupyter messaging protocol 5.3 types (https://jupyter-client.readthedocs.io/en/latest/messaging.html).
 * Only the shapes paralab reads or writes are spelled out; content stays open for the rest.
 */

export const PROTOCOL_VERSION = "5.3";

/** The five sockets of a kernel connection. */
export type Channel = "shell" | "control" | "stdin" | "iopub";

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface JupyterMessage<C = Record<string, unknown>> {
  /** ZeroMQ routing prefix (ROUTER sockets); empty for iopub except the topic. */
  identities: Buffer[];
  header: MessageHeader;
  /** Empty object when the message has no parent. */
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** The contents of a connection file written by the frontend. */
export interface ConnectionConfig {
  transport: string;
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

export type { DisplayContent, MimeBundle } from "../output";

export interface ExecuteRequest {
  code: string;
  silent: boolean;
  store_history: boolean;
  user_expressions?: Record<string, string>;
  allow_stdin: boolean;
  stop_on_error?: boolean;
}

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}
