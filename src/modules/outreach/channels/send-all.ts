import type { MessageSender, OutgoingMessage, SendResult } from './message-sender.js';
import type { SendSlots } from './send-slots.js';

/**
 * Hands the messages to the channel within the process's send slots, answering each one's result in
 * the order given: in batch requests of the sender's batch size when it takes batches (a request is
 * one slot), else one request a message.
 */
export async function sendAll(
  sender: MessageSender,
  slots: SendSlots,
  messages: OutgoingMessage[],
): Promise<SendResult[]> {
  const batchSize = sender.batchSize ?? 1;
  if (sender.sendBatch && batchSize > 1) {
    const batches: OutgoingMessage[][] = [];
    for (let at = 0; at < messages.length; at += batchSize) batches.push(messages.slice(at, at + batchSize));
    const answered = await Promise.all(
      batches.map((batch) =>
        slots
          .run(() => sender.sendBatch!(batch))
          .catch((error: unknown) => batch.map((): SendResult => ({ error: error as Error }))),
      ),
    );
    return answered.flat();
  }
  return Promise.all(
    messages.map((message) =>
      slots
        .run(() => sender.send(message))
        .then(
          (accepted): SendResult => accepted,
          (error: unknown): SendResult => ({ error: error as Error }),
        ),
    ),
  );
}
