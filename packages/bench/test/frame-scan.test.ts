import { leadingType, paddingFor, readStamp, stampedText, stampOfMessageFrame, stampOfText } from '../src/frame-scan';

const frame = (text: string) => Buffer.from(JSON.stringify({ type: 'message', roomId: 'bench-0', message: { id: 'm1', ts: 1, authorId: 'c1', name: 'b1', avatarId: 1, type: 'message', text } }));

describe('frame scanning', () => {
  it('reads the stamp of a message frame without parsing', () => {
    const text = stampedText(123456789012, paddingFor(64));
    expect(text.length).toBeGreaterThanOrEqual(60);
    expect(stampOfMessageFrame(frame(text))).toBe(123456789012);
    expect(stampOfText(text)).toBe(123456789012);
  });

  it('ignores frames that are not stamped messages', () => {
    expect(stampOfMessageFrame(frame('hello'))).toBe(-1);
    expect(stampOfMessageFrame(Buffer.from(JSON.stringify({ type: 'joined_room', messages: [{ text: stampedText(5, '') }] })))).toBe(-1);
    expect(readStamp(Buffer.from('~bt~x'))).toBe(-1);
    expect(stampOfText('plain')).toBe(-1);
  });

  it('names the leading type', () => {
    expect(leadingType(Buffer.from('{"type":"room_list","rooms":[]}'))).toBe('room_list');
    expect(leadingType(Buffer.from('{"rooms":[],"type":"room_list"}'))).toBeUndefined();
  });
});
