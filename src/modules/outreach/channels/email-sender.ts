import nodemailer, { type Transporter } from 'nodemailer';
import { type MessageSender, type OutgoingMessage, PermanentSendFailure } from './message-sender.js';

/** E-mail through SMTP (nodemailer, pooled connections). A 5xx answer is permanent; anything else is retried. */
export class EmailSender implements MessageSender {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    const url = new URL(smtpUrl);
    url.searchParams.set('pool', 'true');
    this.transport = nodemailer.createTransport(url.toString());
  }

  async send(message: OutgoingMessage): Promise<{ providerMessageId: string | null }> {
    try {
      const info = await this.transport.sendMail({
        from: this.from,
        to: message.address,
        subject: message.subject,
        html: message.body,
        text: message.body.replace(/<[^>]*>/g, ''),
        // The message id travels with the mail, so a retry after a lost acknowledgement can be recognised.
        messageId: `<${message.id}@outreach.crm>`,
        headers: { 'X-CRM-Message-Id': message.id },
      });
      return { providerMessageId: info.messageId ?? null };
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      if (code !== undefined && code >= 500)
        throw new PermanentSendFailure(`SMTP ${code}: ${(error as Error).message}`);
      throw error;
    }
  }

  close(): void {
    this.transport.close();
  }
}
