/**
 * What the server asks of new passwords and display names (`practica.accounts.schemas`), told before the
 * form is sent. The server still decides: its refusals name the field and are shown as they come.
 */

export const MIN_PASSWORD_LENGTH = 10;

export const PASSWORD_HINT = `At least ${MIN_PASSWORD_LENGTH} characters. Common passwords (such as password12) are refused.`;

export const DISPLAY_NAME_HINT = "Shown to others and in mail: no web addresses (www., example.org).";
