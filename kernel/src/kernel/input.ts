type InputHandler = (prompt: string, password: boolean) => Promise<string>;

let handler: InputHandler | undefined;

export function setInputHandler(h: InputHandler | undefined): void {
  handler = h;
}

/** Asks the frontend for a line of text (stdin input_request): `const name = await input("Name? ")`. */
export function input(prompt = ""): Promise<string> {
  if (!handler) return Promise.reject(new Error("input: only available while a cell runs in the paralab kernel"));
  return handler(prompt, false);
}

/** Like input(), but the frontend hides what is typed. */
export function password(prompt = ""): Promise<string> {
  if (!handler) return Promise.reject(new Error("password: only available while a cell runs in the paralab kernel"));
  return handler(prompt, true);
}
