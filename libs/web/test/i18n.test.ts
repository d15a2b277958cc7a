import { describe, expect, it } from "vitest";
import { createTranslator } from "use-intl";

import { ApiError } from "../src/api/errors";
import { clock, describeError, pickLocale, sharedMessages, waitMessage } from "../src/i18n";

const ko = createTranslator({ locale: "ko", messages: sharedMessages.ko, namespace: "errors" });
const en = createTranslator({ locale: "en", messages: sharedMessages.en, namespace: "errors" });

describe("error messages", () => {
  it("explain known codes in the user's language and fall back to the server's words", () => {
    expect(describeError(ko, new ApiError(401, "InvalidCredentials", "Email or password is incorrect"))).toBe("이메일 또는 비밀번호가 올바르지 않습니다.");
    expect(describeError(en, new ApiError(409, "EmailTaken", "x"))).toBe("An account with this email already exists. Sign in instead.");
    expect(describeError(ko, new ApiError(400, "SomethingNew", "server words"))).toBe("server words");
    expect(describeError(ko, new ApiError(502, "GenerationFailed", ""))).toBe("서버가 잠시 응답하지 않습니다. 잠시 후 다시 시도하세요.");
    expect(describeError(ko, new TypeError("Failed to fetch"))).toBe("서버에 연결할 수 없습니다. 네트워크를 확인하세요.");
  });

  it("say how long to wait on 429, from Retry-After", () => {
    expect(describeError(ko, new ApiError(429, "TooManyRequests", "x", 40))).toBe("시도가 너무 많습니다. 40초 후에 다시 시도하세요.");
    expect(describeError(en, new ApiError(429, "TooManyRequests", "x", 901))).toBe("Too many attempts. Try again in about 16 minutes.");
    expect(describeError(en, new ApiError(429, "TooManyRequests", "x"))).toBe("Too many requests. Try again shortly.");
    expect(waitMessage(en, 1)).toBe("Too many attempts. Try again in 1 second.");
    expect([clock(0), clock(59), clock(61), clock(900)]).toEqual(["0:00", "0:59", "1:01", "15:00"]);
  });

  it("default to Korean for an unknown locale", () => {
    expect([pickLocale("en"), pickLocale("ko"), pickLocale("fr"), pickLocale(undefined)]).toEqual(["en", "ko", "ko", "ko"]);
  });
});
