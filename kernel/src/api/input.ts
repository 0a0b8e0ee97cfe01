import { currentCell } from "../cell/current";

/** Asks the frontend for a line of text (stdin input_request): `const name = await input("Name? ")`. */
export function input(prompt = ""): Promise<string> {
  try {
    return currentCell("input").input(prompt, false);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Like input(), but the frontend hides what is typed. */
export function password(prompt = ""): Promise<string> {
  try {
    return currentCell("password").input(prompt, true);
  } catch (e) {
    return Promise.reject(e);
  }
}
