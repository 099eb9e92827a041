#include "harness/https_client.h"

#include <cstdlib>
#include <stdexcept>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>

namespace yard::it {

HttpResponse httpsRequest(int port, const std::string& method, const std::string& path,
                          const std::string& token, const std::optional<Json>& body) {
  Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                                                           Poco::Net::Context::VERIFY_NONE);
  Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port), context);
  session.setTimeout(Poco::Timespan(5, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPRequest::HTTP_1_1);
  if (!token.empty()) request.set("Authorization", "Bearer " + token);
  const std::string text = body ? body->dump() : "";
  if (body) request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(text.size()));
  session.sendRequest(request) << text;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpResponse out;
  out.status = response.getStatus();
  out.reason = response.getReason();
  Poco::StreamCopier::copyToString(in, out.raw);
  out.json = Json::parse(out.raw, nullptr, false);
  return out;
}

void makeSelfSignedCertificate(const std::string& dir, const std::string& name) {
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
      " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
      dir + "/" + name + ".key -out " + dir + "/" + name + ".pem 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl could not make " + name);
}

}  // namespace yard::it
