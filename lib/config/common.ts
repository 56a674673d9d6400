import { z } from 'zod';
import { DNS_LABEL, DNS_SUBDOMAIN } from './names';

export { DNS_LABEL, DNS_SUBDOMAIN };

/** A lowercase DNS label of at most `max` characters. */
export function dnsLabel(max: number) {
  return z.string()
    .max(max, { error: `must be at most ${max} characters` })
    .regex(DNS_LABEL, { error: 'must be a DNS label: lowercase letters, digits and "-", starting and ending with a letter or digit' });
}


/** A DNS subdomain such as `dev.stoa.example.com`. */
export const dnsSubdomain = z.string()
  .max(253, { error: 'must be at most 253 characters' })
  .regex(DNS_SUBDOMAIN, {
    error: 'must be a DNS name: lowercase labels separated by "."',
  });

/** An https or ssh git URL. */
export const gitUrl = z.string().max(2048, { error: 'must be at most 2048 characters' }).regex(/^(https:\/\/|ssh:\/\/|git@)[\x21-\x7e]+$/, {
  error: 'must be a git URL starting with https://, ssh:// or git@, in printable ASCII',
});
