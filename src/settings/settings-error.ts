/** A bad operator setting: names the environment variable so the message is actionable. */
export class SettingsError extends Error {
  /** The environment variable at fault, e.g. `SLACK_PACE`. */
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(message);
    this.name = "SettingsError";
    this.variable = variable;
  }
}
